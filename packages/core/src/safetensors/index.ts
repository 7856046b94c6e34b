// Public API of the safetensors reader/writer.
export {
  MAX_HEADER_BYTES,
  SAFETENSORS_ERROR_CODES,
  SafetensorsError,
  halfToFloat,
  parseSafetensors,
  rawTensor,
  serializeSafetensors,
} from './safetensors';
export type {
  ParsedSafetensors,
  RawData,
  RawDType,
  RawTensor,
  SafetensorsErrorCode,
} from './safetensors';
