import fc from 'fast-check';
import { describe, it } from 'vitest';
import { hostileInputProperties } from './hostile-inputs.mjs';

/**
 * A bounded fuzz run over every reader of untrusted bytes (gateway body parser and header checks,
 * the agent's SSE, HTTP and stdio readers): each input is refused with an Airlock error or passed
 * through intact, and nothing throws another error or hangs. `test/bench/fuzz-inputs.mjs` runs
 * the same properties over 1,000,000 inputs.
 */
const RUNS_PER_WEIGHT = 300;

describe('hostile inputs (fuzz)', () => {
  for (const { name, property, weight } of hostileInputProperties) {
    it(`${name}: every input refused with an Airlock error or passed through intact`, async () => {
      await fc.assert(property, { numRuns: RUNS_PER_WEIGHT * weight });
    });
  }
});
