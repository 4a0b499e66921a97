import { formatDatasetError, type DatasetError } from '@diffflow/datasets';

/** Prints the datasets package's one-line error (it names the file and how to get it) and exits with code 2. */
export function exitDataset(e: DatasetError): never {
  process.stderr.write(`error: ${formatDatasetError(e)}\n`);
  process.exit(2);
}
