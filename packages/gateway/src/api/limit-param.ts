import { AirlockError } from '@airlock/core';
import { singleParam } from './single-param.js';

/** The `limit` query parameter of a paged listing: a whole number from 1 to `max`, else `fallback`. */
export function limitParam(params: URLSearchParams, fallback: number, max: number): number {
  const text = singleParam(params, 'limit');
  const limit = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new AirlockError('invalid_params', `"limit" is a whole number from 1 to ${max} (got "${text}").`);
  }
  return limit;
}
