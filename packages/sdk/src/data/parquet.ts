import { readFile } from 'node:fs/promises';
import { DataError } from './errors.ts';
import { sha256Hex, writeFileAtomic } from './_fs.ts';

type ParquetWasm = typeof import('parquet-wasm');
type Arrow = typeof import('apache-arrow');

/** A column as it goes into or comes out of a parquet file. */
export type ParquetColumn =
  | Float64Array
  | Float32Array
  | BigInt64Array
  | BigUint64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | readonly (string | null)[];

export type ParquetCompression = 'zstd' | 'lz4' | 'snappy' | 'none';

export interface WriteParquetOptions {
  /** Int64 (or float64) columns holding epoch milliseconds, stored as `timestamp[ms, UTC]`. */
  timestampMs?: readonly string[];
  /** Default `lz4` (LZ4_RAW): fast to decode, about 25 % smaller than plain. */
  compression?: ParquetCompression;
}

export interface ParquetWriteResult {
  rows: number;
  bytes: number;
  sha256: string;
}

export interface ParquetTable {
  numRows: number;
  /** Column name → values. int64/timestamp columns come back as BigInt64Array, strings as arrays. */
  columns: Record<string, ParquetColumn>;
  /** Column name → Arrow type, e.g. `float64`, `int32`, `timestamp[ms, UTC]`, `utf8`. */
  types: Record<string, string>;
}

// Loaded on first use so that importing the SDK (or starting the CLI) stays cheap.
let modules: Promise<{ pq: ParquetWasm; arrow: Arrow }> | undefined;
function loadModules(): Promise<{ pq: ParquetWasm; arrow: Arrow }> {
  modules ??= Promise.all([import('parquet-wasm'), import('apache-arrow')]).then(([pqModule, arrow]) => {
    // The node build of parquet-wasm is CommonJS; its exports may sit on `default`.
    const pq = ((pqModule as { default?: ParquetWasm }).default ?? pqModule) as ParquetWasm;
    return { pq, arrow };
  });
  return modules;
}

/** `time` as float64 ms → the same instants as int64, without a BigInt per value. */
export function msToInt64(values: Float64Array): BigInt64Array {
  const out = new BigInt64Array(values.length);
  const words = new Int32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const hi = Math.floor(v / 4294967296);
    words[2 * i] = v - hi * 4294967296;
    words[2 * i + 1] = hi;
  }
  return out;
}

/** Inverse of {@link msToInt64}; exact below 2^53. */
export function int64ToMs(values: BigInt64Array): Float64Array {
  const out = new Float64Array(values.length);
  const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  for (let i = 0; i < values.length; i++) out[i] = (words[2 * i + 1] as number) * 4294967296 + ((words[2 * i] as number) >>> 0);
  return out;
}

function compressionOf(pq: ParquetWasm, compression: ParquetCompression) {
  switch (compression) {
    case 'zstd':
      return pq.Compression.ZSTD;
    case 'lz4':
      return pq.Compression.LZ4_RAW;
    case 'snappy':
      return pq.Compression.SNAPPY;
    case 'none':
      return pq.Compression.UNCOMPRESSED;
  }
}

function toVector(arrow: Arrow, file: string, name: string, values: ParquetColumn, asTimestamp: boolean) {
  if (asTimestamp) {
    const data = values instanceof Float64Array ? msToInt64(values) : values;
    if (!(data instanceof BigInt64Array)) {
      throw new DataError(`${file}: column "${name}" is listed in timestampMs but is neither a BigInt64Array nor a Float64Array`);
    }
    return arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMillisecond('UTC'), length: data.length, data }));
  }
  if (Array.isArray(values)) return arrow.vectorFromArray(values as (string | null)[], new arrow.Utf8());
  return arrow.makeVector(values as Exclude<ParquetColumn, readonly (string | null)[]>);
}

/**
 * Encodes `columns` (all the same length) as parquet bytes. The writer settings are fixed (created-by
 * string, encodings, no dictionary on numbers), so the same columns always give the same bytes.
 */
export async function encodeParquet(
  columns: Record<string, ParquetColumn>,
  { timestampMs = [], compression = 'lz4' }: WriteParquetOptions = {},
  label = 'parquet table',
): Promise<Uint8Array> {
  const { pq, arrow } = await loadModules();
  const names = Object.keys(columns);
  if (names.length === 0) throw new DataError(`${label}: no columns to write`);
  const rows = (columns[names[0] as string] as ParquetColumn).length;
  const vectors: Record<string, ReturnType<typeof toVector>> = {};
  for (const name of names) {
    const values = columns[name] as ParquetColumn;
    if (values.length !== rows) {
      throw new DataError(`${label}: column "${name}" has ${values.length} rows, expected ${rows} like "${names[0]}"`);
    }
    vectors[name] = toVector(arrow, label, name, values, timestampMs.includes(name));
  }
  const table = new arrow.Table(vectors);
  let builder = new pq.WriterPropertiesBuilder()
    .setCreatedBy('tradecore')
    .setCompression(compressionOf(pq, compression))
    .setDictionaryEnabled(false)
    .setMaxRowGroupSize(1 << 20);
  for (const name of names) {
    const values = columns[name] as ParquetColumn;
    if (Array.isArray(values)) builder = builder.setColumnDictionaryEnabled(name, true);
    else if (values instanceof BigInt64Array || values instanceof Int32Array || timestampMs.includes(name)) {
      builder = builder.setColumnEncoding(name, pq.Encoding.DELTA_BINARY_PACKED);
    }
  }
  const wasmTable = pq.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
  return pq.writeParquet(wasmTable, builder.build());
}

/** Writes `columns` to `file` atomically (temp file + rename). Returns the row count, size and sha256. */
export async function writeParquetTable(
  file: string,
  columns: Record<string, ParquetColumn>,
  options: WriteParquetOptions = {},
): Promise<ParquetWriteResult> {
  const bytes = await encodeParquet(columns, options, file);
  await writeFileAtomic(file, bytes);
  const first = Object.values(columns)[0] as ParquetColumn;
  return { rows: first.length, bytes: bytes.length, sha256: sha256Hex(bytes) };
}

/** Reads a whole parquet file into typed columns. */
export async function readParquetTable(file: string, options: ReadParquetOptions = {}): Promise<ParquetTable> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new DataError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return decodeParquet(bytes, file, options);
}

export interface ReadParquetOptions {
  /**
   * Hand every numeric column out as a Float64Array (int64 and timestamps exact below 2^53),
   * converted straight from the decoded buffers without an intermediate copy.
   */
  numbersAsFloat64?: boolean;
}

/** Decodes parquet bytes; `label` names the source in errors. */
export async function decodeParquet(bytes: Uint8Array, label: string, { numbersAsFloat64 = false }: ReadParquetOptions = {}): Promise<ParquetTable> {
  const { pq, arrow } = await loadModules();
  let table;
  try {
    table = pq.readParquet(bytes, { batchSize: 1 << 22 });
  } catch (error) {
    throw new DataError(`${label} is not a readable parquet file: ${error instanceof Error ? error.message : String(error)}`);
  }
  const ffi = table.intoFFI();
  try {
    const fast = readPrimitiveColumns(pq, ffi, numbersAsFloat64);
    if (fast) return fast;
  } finally {
    ffi.free();
  }
  const slow = readThroughIpc(pq, arrow, bytes);
  if (numbersAsFloat64) {
    for (const [name, values] of Object.entries(slow.columns)) {
      if (values instanceof BigInt64Array) slow.columns[name] = int64ToMs(values);
      else if (ArrayBuffer.isView(values) && !(values instanceof Float64Array)) slow.columns[name] = Float64Array.from(values as ArrayLike<number>, Number);
    }
  }
  return slow;
}

const FORMAT_ARRAYS = {
  g: Float64Array,
  f: Float32Array,
  l: BigInt64Array,
  L: BigUint64Array,
  i: Int32Array,
  I: Uint32Array,
  s: Int16Array,
  S: Uint16Array,
  c: Int8Array,
  C: Uint8Array,
} as const;
const FORMAT_TYPES: Record<string, string> = {
  g: 'float64',
  f: 'float32',
  l: 'int64',
  L: 'uint64',
  i: 'int32',
  I: 'uint32',
  s: 'int16',
  S: 'uint16',
  c: 'int8',
  C: 'uint8',
};
type TypedColumnCtor = (typeof FORMAT_ARRAYS)[keyof typeof FORMAT_ARRAYS];

/**
 * Fast path: copies the column buffers straight out of wasm memory through the Arrow C data
 * interface (wasm32 struct layout). Serialising through Arrow IPC would cost about as much as the
 * parquet decode itself. Returns null when a column is not a null-free primitive, so the caller
 * falls back to IPC.
 */
function readPrimitiveColumns(pq: ParquetWasm, ffi: import('parquet-wasm').FFIStream, asFloat64: boolean): ParquetTable | null {
  // Collect every address first: a wasm call that grows memory would detach an ArrayBuffer taken earlier.
  const schema = ffi.schemaAddr();
  const batches = Array.from({ length: ffi.numArrays() }, (_, k) => ffi.arrayAddr(k));
  const memory = pq.wasmMemory().buffer;
  const view = new DataView(memory);
  const bytes = new Uint8Array(memory);
  const cString = (ptr: number) => {
    let end = ptr;
    while (bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(ptr, end));
  };
  const u32 = (ptr: number) => view.getUint32(ptr, true);
  const i64 = (ptr: number) => Number(view.getBigInt64(ptr, true));

  if (cString(u32(schema)) !== '+s') return null;
  const fieldCount = i64(schema + 24);
  const fields: { name: string; format: string; ctor: TypedColumnCtor }[] = [];
  for (let c = 0; c < fieldCount; c++) {
    const child = u32(u32(schema + 32) + 4 * c);
    const format = cString(u32(child));
    const base = format.startsWith('tsm:') ? 'l' : format;
    const ctor = FORMAT_ARRAYS[base as keyof typeof FORMAT_ARRAYS];
    if (!ctor) return null;
    fields.push({ name: cString(u32(child + 4)), format, ctor });
  }
  let numRows = 0;
  for (const batch of batches) numRows += i64(batch);
  for (const batch of batches) {
    for (let c = 0; c < fieldCount; c++) {
      const child = u32(u32(batch + 44) + 4 * c);
      if (u32(u32(child + 40)) !== 0 && i64(child + 8) !== 0) return null;
    }
  }
  const columns: Record<string, ParquetColumn> = {};
  const types: Record<string, string> = {};
  fields.forEach(({ name, format, ctor }, c) => {
    const out = asFloat64 ? new Float64Array(numRows) : new ctor(numRows);
    const wide = ctor === BigInt64Array || ctor === BigUint64Array;
    let at = 0;
    for (const batch of batches) {
      const child = u32(u32(batch + 44) + 4 * c);
      const length = i64(child);
      const offset = i64(batch + 16) + i64(child + 16);
      const data = u32(u32(child + 40) + 4) + offset * ctor.BYTES_PER_ELEMENT;
      // Arrow buffers are 64-byte aligned, so the typed-array views are always legal.
      if (asFloat64 && wide) {
        const words = new Int32Array(memory, data, length * 2);
        const target = out as Float64Array;
        const signed = ctor === BigInt64Array;
        for (let i = 0; i < length; i++) {
          const hi = words[2 * i + 1] as number;
          target[at + i] = (signed ? hi : hi >>> 0) * 4294967296 + ((words[2 * i] as number) >>> 0);
        }
      } else out.set(new ctor(memory, data, length) as never, at);
      at += length;
    }
    columns[name] = out;
    types[name] = format.startsWith('tsm:') ? `timestamp[ms, ${format.slice(4) || 'local'}]` : (FORMAT_TYPES[format] as string);
  });
  return { numRows, columns, types };
}

function readThroughIpc(pq: ParquetWasm, arrow: Arrow, bytes: Uint8Array): ParquetTable {
  const table = arrow.tableFromIPC(pq.readParquet(bytes).intoIPCStream());
  const columns: Record<string, ParquetColumn> = {};
  const types: Record<string, string> = {};
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name);
    if (!vector) continue;
    types[field.name] = arrowTypeName(arrow, field.type);
    if (arrow.DataType.isUtf8(field.type) || arrow.DataType.isLargeUtf8(field.type)) {
      columns[field.name] = Array.from(vector, (v) => (v === null ? null : String(v)));
    } else if (vector.nullCount > 0) {
      columns[field.name] = Float64Array.from(vector, (v) => (v === null ? Number.NaN : Number(v)));
    } else {
      const values = vector.toArray() as unknown;
      columns[field.name] = ArrayBuffer.isView(values) ? (values as ParquetColumn) : Array.from(values as Iterable<unknown>, (v) => (v === null ? null : String(v)));
    }
  }
  return { numRows: table.numRows, columns, types };
}

/** The same names the fast path uses (`float64`, `int32`, `timestamp[ms, UTC]`, `utf8`, …). */
function arrowTypeName(arrow: Arrow, type: import('apache-arrow').DataType): string {
  if (arrow.DataType.isFloat(type)) return ['float16', 'float32', 'float64'][type.precision] ?? String(type);
  if (arrow.DataType.isInt(type)) return `${type.isSigned ? 'int' : 'uint'}${type.bitWidth}`;
  if (arrow.DataType.isTimestamp(type)) return `timestamp[${['s', 'ms', 'us', 'ns'][type.unit]}, ${type.timezone ?? 'local'}]`;
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) return 'utf8';
  return String(type).toLowerCase();
}
