import type { BuiltinDetectorName } from '../detector-names.js';
import type { Detector } from './detector.js';
import { piiDetectors } from './pii-detectors.js';
import { secretDetectors } from './secret-detectors.js';

let catalogue: Readonly<Record<string, Detector>> | undefined;

/** The built-in detector of this name (made once, shared: detectors hold no per-call state). */
export function builtinDetector(name: BuiltinDetectorName): Detector {
  catalogue ??= Object.freeze({ ...secretDetectors(), ...piiDetectors() });
  const detector = catalogue[name];
  if (detector === undefined) throw new Error(`no built-in detector "${name}"`);
  return detector;
}
