import { describe, expect, it } from 'vitest';
import { pinningModes } from '../../src/index.js';

describe('pinningModes', () => {
  it('takes the first entry naming the connection, else warn', () => {
    const modeOf = pinningModes([
      { connections: ['vault'], mode: 'hide' },
      { connections: ['kitchen-*', 'vault'], mode: 'block' },
      { connections: ['legacy'], mode: 'off' },
    ]);
    expect(modeOf('vault')).toBe('hide');
    expect(modeOf('kitchen-http')).toBe('block');
    expect(modeOf('legacy')).toBe('off');
    expect(modeOf('kitchen')).toBe('warn');
  });
});
