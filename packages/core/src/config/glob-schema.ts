import { z } from 'zod';
import { globProblem } from '../policy/glob.js';

/** A glob in a rule (see policy/glob.ts): `*` any run of characters, `?` one, `\\` escapes. */
export const globSchema = z.string().superRefine((pattern, ctx) => {
  const problem = globProblem(pattern);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** Connection names or globs a rule applies to. */
export const connectionGlobs = z.array(globSchema).min(1);
