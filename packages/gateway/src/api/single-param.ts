import { AirlockError } from '@airlock/core';

/**
 * The value of a query parameter that may be given at most once; empty counts as absent. Given
 * twice it is refused rather than one silently winning (a filter would then mean something else).
 */
export function singleParam(params: URLSearchParams, key: string): string | undefined {
  const values = params.getAll(key);
  if (values.length > 1)
    throw new AirlockError('invalid_params', `Give "${key}" once, not ${values.length} times.`);
  const value = values[0];
  return value === undefined || value === '' ? undefined : value;
}
