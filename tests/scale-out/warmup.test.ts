// The start-up warm-up (src/warmup.ts) runs every analysis and chart type on its small table; a step
// that throws would silently stay cold, so every step must succeed.
import { expect, test } from '@jest/globals';
import { runWarmUp, warmUp } from '../../src/warmup.js';

test('every warm-up step runs without an error, quickly', () => {
  const { ms, failed } = runWarmUp();
  expect(failed).toEqual([]);
  expect(ms).toBeLessThan(5_000);
  expect(() => warmUp()).not.toThrow();
});
