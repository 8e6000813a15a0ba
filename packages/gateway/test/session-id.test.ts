import { describe, expect, it } from 'vitest';
import { newSessionId } from '../src/mcp/session-id.js';

describe('newSessionId', () => {
  it('is 32 base64url characters and never starts like a command-line option', () => {
    // 1 id in 32 would start with "-" or "_" without the check: 2,000 ids all but prove it.
    for (let i = 0; i < 2000; i++) expect(newSessionId()).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{31}$/);
  });
});
