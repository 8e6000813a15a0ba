import type { BuiltinDetectorName } from '../detector-names.js';
import type { Detector } from './detector.js';
import { piiDetectors } from './pii-detectors.js';
import { secretDetectors } from './secret-detectors.js';

let catalogue: Readonly<Record<string, Detector>> | undefined;
let phone: Promise<Detector> | undefined;

/**
 * libphonenumber-js and its numbering-plan metadata add about 10 MB to a process, so the phone
 * detector's module is imported the first time a policy names it, not when this package loads:
 * an agent whose sessions never mask phone numbers never holds it.
 */
function phoneDetector(): Promise<Detector> {
  phone ??= import('./phone-detector.js').then((module) => module.phoneDetector());
  return phone;
}

/**
 * The built-in detectors of these names, in this order (each made once and shared: detectors hold
 * no per-call state). Resolves once every module they need is loaded.
 */
export async function builtinDetectors(names: readonly BuiltinDetectorName[]): Promise<Detector[]> {
  catalogue ??= Object.freeze({ ...secretDetectors(), ...piiDetectors() });
  const found = catalogue;
  return Promise.all(
    names.map((name) => {
      if (name === 'phone') return phoneDetector();
      const detector = found[name];
      if (detector === undefined) throw new Error(`no built-in detector "${name}"`);
      return detector;
    }),
  );
}
