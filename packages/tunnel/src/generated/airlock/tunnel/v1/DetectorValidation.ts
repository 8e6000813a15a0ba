// Original file: proto/airlock/tunnel/v1/tunnel.proto

export const DetectorValidation = {
  DETECTOR_VALIDATION_UNSPECIFIED: 'DETECTOR_VALIDATION_UNSPECIFIED',
  DETECTOR_VALIDATION_LUHN: 'DETECTOR_VALIDATION_LUHN',
  DETECTOR_VALIDATION_MOD97: 'DETECTOR_VALIDATION_MOD97',
} as const;

export type DetectorValidation =
  | 'DETECTOR_VALIDATION_UNSPECIFIED'
  | 0
  | 'DETECTOR_VALIDATION_LUHN'
  | 1
  | 'DETECTOR_VALIDATION_MOD97'
  | 2

export type DetectorValidation__Output = typeof DetectorValidation[keyof typeof DetectorValidation]
