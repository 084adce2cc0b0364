/**
 * Exchange pulls for the Data page, through `@tradecore/ingest` when the project has it installed.
 */
import { findPackage } from '@tradecore/sdk';

export async function ingestAvailable(root: string): Promise<boolean> {
  return findPackage('@tradecore/ingest', { cwd: root }) !== undefined;
}
