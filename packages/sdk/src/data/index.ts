// Public API of src/data: explicit named exports only.
export { allocateBars, columnsOf, isoTime, optionalColumnsOf, sliceBars, type MutableBars } from './bars.ts';
export {
  barsToCsv,
  csvChunks,
  exportCsv,
  importBinanceKlines,
  importCsv,
  importKrakenOhlcvt,
  parseCsv,
  parseIsoTime,
  type ExportCsvOptions,
  type ImportCsvOptions,
  type TimeUnit,
} from './csv.ts';
export { IMPORT_FORMATS, detectImportFormat, importBars, type ImportBarsOptions, type ImportFormat } from './importFile.ts';
export { tempPathFor, writeFileAtomic } from './_fs.ts';
export { appendBars, compactDataset, type AppendBarsOptions, type AppendResult, type CompactDatasetOptions } from './append.ts';
export {
  DatasetChangedError,
  commitDataset,
  folderOwner,
  partitionFile,
  updateDataset,
  type CommitDatasetOptions,
  type CommitResult,
  type DatasetChange,
  type DatasetIdentity,
  type PartitionWrite,
} from './commit.ts';
export { BarsValidationError, ChecksumMismatchError, DataError, DatasetNotFoundError } from './errors.ts';
export { LOWER_ID_PATTERN, assertDatasetId, assertSource, datasetRefId, datasetAddress, datasetFolder, defaultDatasetId, timeframeLabel, type DatasetAddress } from './ids.ts';
export { bucketOf, freePartitionPath, freeSiblingPath, nextBucketStart, splitByBucket, type PartitionLayout } from './layout.ts';
export { DatasetLockedError } from './_lock.ts';
export {
  concatBars,
  lakeDir,
  readDataset,
  readPartitions,
  writeDataset,
  type ReadDatasetOptions,
  type ReadDatasetResult,
  type ReadPartitionsOptions,
  type WriteDatasetOptions,
} from './lake.ts';
export {
  DatasetColumnSchema,
  DatasetManifestSchema,
  DatasetPartitionSchema,
  PARTITION_PATH_PATTERN,
  SyntheticGeneratorSchema,
  checkManifest,
  isManifestPathRef,
  listDatasets,
  loadManifest,
  manifestPath,
  manifestsDir,
  parseManifest,
  resolveManifestRef,
  type DataDirOptions,
  type DatasetColumn,
  type DatasetManifest,
  type DatasetPartition,
  type SyntheticGeneratorInfo,
} from './manifest.ts';
export {
  decodeParquet,
  encodeParquet,
  int64ToMs,
  msToInt64,
  readParquetTable,
  writeParquetTable,
  type ParquetColumn,
  type ParquetCompression,
  type ParquetTable,
  type ParquetWriteResult,
  type ReadParquetOptions,
  type WriteParquetOptions,
} from './parquet.ts';
export { resampleBars } from './resample.ts';
export { SYNTHETIC_GENERATOR_VERSION, generateSynthetic, syntheticGeneratorInfo, type SyntheticOptions } from './synthetic.ts';
export { bucketStart, parseTimeframe, type Timeframe } from './timeframe.ts';
export {
  BAR_TIME_RANGE,
  MAX_BAR_TIME,
  MIN_BAR_TIME,
  NUMERIC_TIME_UNITS,
  fittingTimeUnit,
  isBarTime,
  timeOutOfRange,
  toEpochMs,
  type NumericTimeUnit,
} from './timeBounds.ts';
export {
  validateBars,
  type ValidateBarsOptions,
  type ValidationFinding,
  type ValidationErrorKind,
  type ValidationReport,
  type ValidationStats,
  type ValidationWarningKind,
} from './validateBars.ts';
