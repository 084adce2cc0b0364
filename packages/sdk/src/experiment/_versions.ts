import sdkPackage from '../../package.json' with { type: 'json' };

/** Version of @tradecore/sdk (imported, so the bundled dist/ carries it too). */
export function sdkVersion(): string {
  return sdkPackage.version;
}
