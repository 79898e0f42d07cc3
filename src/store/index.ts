export { Archive, ArchiveError, type ArchiveOptions } from './archive.js';
export {
  type AtomicWriteOptions,
  backupPath,
  DurableFileError,
  DurableJsonFile,
  type DurableJsonFileOptions,
  type RecoverInfo,
  type RecoverReason,
  writeFileAtomic,
} from './durable-file.js';
export {
  Journal,
  JournalError,
  type JournalOptions,
  type JournalStats,
  type Page,
  type PageOptions,
  type ReadOptions,
  type TornLineInfo,
} from './journal.js';
export { entryHash, ZERO_HASH } from './journal-entry.js';
export type { JournalBreak, VerifyResult } from './journal-verify.js';
