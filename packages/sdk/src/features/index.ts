// Public API of src/features: explicit named exports only.
export {
  FeatureStoreError,
  availableColumns,
  bitsOf,
  buildFeatureStore,
  interleaveFeatures,
  wordsOf,
  writeFeatureWindow,
  type FeatureStore,
} from './featureStore.ts';
