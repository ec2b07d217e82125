// The `file` source: ports from a watched YAML/JSON file (format: examples/ports.yaml).
export { FileSource, type FileSourceOptions } from './file-source.js';
export { readPortsDocument, portSchema, type PortsRead } from './ports-schema.js';
