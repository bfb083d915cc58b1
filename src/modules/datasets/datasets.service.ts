// Datasets: upload (in the request or in the background), list, read, change, delete, rows, export.
import type { Logger } from 'pino';
import { cellValue, type ColumnType, type Table } from '../../core/column.js';
import { IncompleteColumn } from '../../core/column-codec.js';
import { nullAndDistinctCounts } from '../../core/column-stats.js';
import { applyFilters, parseFilterQuery } from '../../core/filter-ops.js';
import { releaseUploadMemory } from '../../core/release-memory.js';
import { parseSortParam, sortRows } from '../../core/sort.js';
import type { DatasetRecord, DatasetsRepo } from '../../db/datasets.repo.js';
import { isUniqueViolation } from '../../db/db-errors.js';
import type { ReceivedFile } from '../../http/upload.js';
import type { PathDataset } from '../../http/auth.js';
import { AppError, type ParseLocation } from '../../errors.js';
import { blockDistinct, type BlockDistinct } from '../ingest/block-distinct.js';
import type { IngestJob } from '../ingest/ingester.js';
import type { ColumnBlock, IngestLimits, IngestOptions, IngestResult, InspectResult } from '../ingest/ingest.types.js';
import { blockWriter, type BlockWriter } from './block-writer.js';
import { settleWaiters } from './settle-waiters.js';
import { convertColumn } from './convert-column.js';
import { datasetView, rowObject } from './dataset-view.js';
import type { EXPORT_FORMATS } from './datasets.schemas.js';
import { toCsv, toJson, toXlsx } from './export-writers.js';
import type { TableStore } from './table-store.js';
import { nameWithoutExtension, safeFilename } from './upload-names.js';

/** An upload as the upload middleware leaves it: the file's bytes are already in the sink. */
export type UploadedFile = ReceivedFile;

export interface UploadFields {
  name?: string;
  description?: string;
  sheet?: string;
  delimiter?: string;
  encoding?: IngestOptions['encoding'];
  header: boolean;
}

export interface DatasetsServiceOptions {
  limits: IngestLimits;
  /** Files larger than this are ingested in the background (202). */
  asyncBytes: number;
  logger: Logger;
  /**
   * A background upload shows it is alive at least every leaseMs/4 (progress or heartbeat). One
   * silent for longer lost its server, and any instance then marks it failed. Other instances'
   * live uploads are left alone, so restarting one instance does not fail another's work.
   */
  leaseMs: number;
}

/** How often a GET that waits for a dataset reads it again (for an ingest on another instance). */
const WAIT_RECHECK_MS = 1000;

/** Progress is written at most this often while a background ingest runs. */
const PROGRESS_EVERY_MS = 500;
/** The part of `progress` that parsing takes; storing the columns takes the rest. */
const PARSE_SHARE = 0.8;

export const INTERRUPTED_REASON = 'This upload stopped before it finished (the server restarted). Please upload the file again.';

const concurrentChange = () => new AppError('CONFLICT', 'This dataset was changed or deleted at the same time. Please try again.');
/** A claim on a version the dataset never reached, this old, was left by a change that stopped half-way. */
const STALE_CLAIM_MS = 10 * 60_000;

/** A 422/413 message with where it broke, for a failed background upload's `error`. */
function describeFailure(err: unknown): string {
  if (!(err instanceof AppError)) return 'Something went wrong while reading the file. Please try again.';
  const where = err.details as ParseLocation;
  const parts: string[] = [];
  if (where.sheet !== undefined) parts.push(`sheet "${where.sheet}"`);
  if (where.cell !== undefined) parts.push(`cell ${where.cell}`);
  if (where.line !== undefined) parts.push(`line ${where.line}`);
  if (where.column !== undefined) parts.push(`column "${where.column}"`);
  if (where.value !== undefined) parts.push(`value "${String(where.value).slice(0, 100)}"`);
  const place = parts.length > 0 && !parts.every((p) => err.message.includes(p)) ? ` (${parts.join(', ')})` : '';
  return `${err.message}${place}`;
}

function metaOf(result: IngestResult) {
  return {
    rowCount: result.table.rowCount,
    columnCount: result.table.columns.length,
    columns: result.columns,
    sheets: result.sheets,
    format: result.format,
  };
}

function ingestOptions(filename: string, fields: UploadFields, limits: IngestLimits): IngestOptions {
  return {
    filename,
    sheet: fields.sheet,
    delimiter: fields.delimiter,
    encoding: fields.encoding,
    header: fields.header,
    limits,
  };
}

export function datasetsService(repo: DatasetsRepo, store: TableStore, opts: DatasetsServiceOptions) {
  const background = new Set<Promise<void>>();
  const waiters = settleWaiters();
  /** Set when the server stops: requests that wait for a dataset answer with what it is now. */
  let stopping = false;

  /**
   * The user's dataset, or a 404. `known`: the record read along with the request's key (see
   * AuthUser.pathDataset), as current as a read now would be; used when it is the same id.
   */
  async function findOwned(userId: string, id: string, known?: PathDataset): Promise<DatasetRecord> {
    const ds = known?.id === id ? known.record : await repo.find(userId, id);
    if (!ds) throw AppError.notFound('Dataset');
    return ds;
  }

  /**
   * Claims `version` (the one after ds.version) for a change of the dataset's content; a 409 when
   * another change holds it. A claim the dataset never reached and older than STALE_CLAIM_MS was
   * left by a change that stopped half-way (a crash): its version is dropped and claimed afresh.
   */
  async function claimVersion(userId: string, ds: DatasetRecord, version: number): Promise<void> {
    try {
      await store.claimVersion(ds.id, version);
      return;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    const [current, since] = await Promise.all([repo.find(userId, ds.id), store.claimedAt(ds.id, version)]);
    const stale = current !== null && current.version < version && since !== null && Date.now() - since > STALE_CLAIM_MS;
    if (!stale) throw concurrentChange();
    await store.dropVersion(ds.id, version);
    try {
      await store.claimVersion(ds.id, version);
    } catch (err) {
      throw isUniqueViolation(err) ? concurrentChange() : err;
    }
  }

  /** The dataset, if its content can be read now (409 while processing or after a failure). */
  async function findReady(userId: string, id: string, known?: PathDataset): Promise<DatasetRecord> {
    const ds = await findOwned(userId, id, known);
    if (ds.status === 'processing') {
      throw new AppError('CONFLICT', 'This dataset is still being processed. Try again when its status is "ready".', { status: ds.status, progress: ds.progress });
    }
    if (ds.status === 'failed') throw new AppError('CONFLICT', `This dataset could not be loaded: ${ds.error ?? 'unknown error'}`, { status: ds.status });
    return ds;
  }

  /**
   * Writes the parsed columns (from their chunk `fromChunks[i]` on, when blocks were written early)
   * and marks the dataset ready: its record now, or null when it was deleted (or failed) meanwhile.
   */
  async function storeContent(ds: DatasetRecord, result: IngestResult, onStored?: (f: number) => void, fromChunks?: number[]): Promise<DatasetRecord | null> {
    const columns = result.table.columns.map((column, index) => ({ index, column, fromChunk: fromChunks?.[index] ?? 0 }));
    await store.save(ds.id, ds.version, columns, onStored);
    return repo.markReady(ds.id, metaOf(result));
  }

  /**
   * Stores a parse that goes on after the 202. `progress.report` is where the parse's progress
   * arrives (it was wired up before the dataset existed).
   */
  async function ingestInBackground(
    ds: DatasetRecord,
    job: IngestJob<IngestResult>,
    progress: { report: (f: number) => void },
    blocks: BlockWriter,
    distinct: BlockDistinct,
  ): Promise<void> {
    let lastWrite = 0;
    let current = 0;
    const report = (fraction: number) => {
      current = fraction;
      const now = Date.now();
      if (now - lastWrite < PROGRESS_EVERY_MS) return;
      lastWrite = now;
      opts.logger.info({ datasetId: ds.id, progress: Number(fraction.toFixed(3)) }, 'ingesting');
      repo.setProgress(ds.id, fraction).catch(() => undefined);
    };
    progress.report = (f) => report(f * PARSE_SHARE);
    // Heartbeat while nothing reports progress (e.g. waiting for the worker): keeps the lease.
    const heartbeat = setInterval(() => repo.setProgress(ds.id, current).catch(() => undefined), Math.max(1000, opts.leaseMs / 4));
    heartbeat.unref();
    let ready: DatasetRecord | null = null;
    try {
      blocks.start(ds);
      const result = await job.result;
      distinct.complete(result);
      const fromChunks = await blocks.plan(result.table.columns);
      ready = await storeContent(ds, result, (f) => report(PARSE_SHARE + f * (1 - PARSE_SHARE)), fromChunks);
      // Deleted (or failed) while we worked: drop what was written.
      if (!ready) await store.prune(ds.id, null);
      opts.logger.info({ datasetId: ds.id, rows: result.table.rowCount, ready: ready !== null }, 'ingest finished');
    } catch (err) {
      opts.logger.warn({ datasetId: ds.id, err: err instanceof AppError ? err.message : err }, 'ingest failed');
      await blocks.close();
      await repo.markFailed(ds.id, describeFailure(err)).catch(() => undefined);
      await store.prune(ds.id, null).catch(() => undefined);
    } finally {
      clearInterval(heartbeat);
      // Requests waiting for this dataset answer with the record just written, before the full
      // collection below pauses this thread (it ran before their answers when they read it again).
      waiters.settled(ds.id, ready);
      releaseUploadMemory();
    }
  }

  /**
   * The named columns of a dataset read a moment ago. Its content may go while it is read (a
   * delete, or a change that wrote a newer version): that is a 404 or a 409, as if the read had
   * come a moment later, not an error of ours.
   */
  async function loadTable(ds: DatasetRecord, names?: Iterable<string>): Promise<Table> {
    try {
      return await store.load(ds, names);
    } catch (err) {
      if (!(err instanceof IncompleteColumn)) throw err;
      const now = await findOwned(ds.userId, ds.id); // 404 when it is gone
      throw now.version !== ds.version ? concurrentChange() : err;
    }
  }

  /** Output columns (validated) and the rows after filter and sort, shared by rows and export. */
  async function selectRows(ds: DatasetRecord, q: { columns?: string[]; sort?: string; filter?: string | string[] }) {
    const names = ds.columns.map((c) => c.name);
    const output = q.columns && q.columns.length > 0 ? q.columns : names;
    const unknown = output.filter((c) => !names.includes(c));
    if (unknown.length > 0) {
      throw AppError.validation([{ path: 'columns', message: `Unknown column(s): ${unknown.map((c) => `"${c.slice(0, 200)}"`).join(', ')}.` }]);
    }
    const filters = parseFilterQuery(q.filter);
    const sortKeys = parseSortParam(q.sort);
    const table = await loadTable(ds, [...output, ...filters.map((f) => f.column), ...sortKeys.map((k) => k.column)]);
    const selection = applyFilters(table, filters);
    const rows = sortKeys.length > 0 ? sortRows(table, selection, sortKeys) : selection;
    const outTable: Table = { rowCount: table.rowCount, columns: output.map((n) => table.columns.find((c) => c.name === n)!) };
    return { table: outTable, rows };
  }

  return {
    findOwned,
    findReady,
    loadTable,

    /** 201 when parsed in the request, 202 when it goes on in the background. */
    async upload(userId: string, file: UploadedFile, fields: UploadFields): Promise<{ status: 201 | 202; dataset: ReturnType<typeof datasetView> }> {
      const filename = safeFilename(file.originalname);
      const inBackground = file.size > opts.asyncBytes;
      const progress = { report: (_f: number) => {} };
      // A background parse hands over blocks of rows as it goes: they are stored while it runs, and
      // their distinct values counted here (the worker has enough to do).
      const blocks = blockWriter(store);
      const distinct = blockDistinct();
      const onBlock = (b: ColumnBlock | null) => {
        distinct.add(b);
        blocks.add(b);
      };
      const job = file.sink.ingest({
        ...ingestOptions(filename, fields, opts.limits),
        ...(inBackground ? { onProgress: (f: number) => progress.report(f), onBlock, distinctFromBlocks: true } : {}),
      });
      // When the upload fails here, blocks that came (and any still coming) are let go.
      const orDropBlocks = <T>(step: Promise<T>) => step.catch(async (err: unknown) => {
        await blocks.close();
        throw err;
      });
      // The content check (415) is always answered in the request, even for a background upload.
      const format = await orDropBlocks(job.format);
      const base = {
        userId,
        name: fields.name ?? nameWithoutExtension(filename),
        description: fields.description ?? null,
        originalFilename: filename,
        format,
        sizeBytes: file.size,
        status: 'processing' as const,
      };

      if (!inBackground) {
        const result = await job.result;
        const ds = await repo.create({ ...base, format: result.format });
        let ready: DatasetRecord | null;
        try {
          ready = await storeContent(ds, result);
        } catch (err) {
          await repo.delete(userId, ds.id).catch(() => undefined);
          throw err;
        }
        // Deleted meanwhile: findOwned answers 404.
        return { status: 201, dataset: datasetView(ready ?? (await findOwned(userId, ds.id))) };
      }

      const ds = await orDropBlocks(repo.create(base));
      const work = ingestInBackground(ds, job, progress, blocks, distinct).finally(() => background.delete(work));
      background.add(work);
      return { status: 202, dataset: datasetView(ds) };
    },

    async inspect(file: UploadedFile, fields: UploadFields): Promise<InspectResult> {
      const job = file.sink.inspect(ingestOptions(safeFilename(file.originalname), fields, opts.limits));
      return job.result;
    },

    async list(userId: string, q: { limit: number; offset: number; q?: string; sort: string }) {
      const descending = q.sort.startsWith('-');
      const sort = (descending ? q.sort.slice(1) : q.sort) as 'name' | 'createdAt' | 'rowCount';
      const { total, rows } = await repo.list(userId, { q: q.q, limit: q.limit, offset: q.offset, sort, descending });
      return { data: rows.map(datasetView), page: { total, limit: q.limit, offset: q.offset } };
    },

    /**
     * One dataset. With `waitMs`, a dataset still processing is read again when its background
     * ingest here ends, and at least every WAIT_RECHECK_MS (another instance may be the one
     * ingesting it), until it is done, the wait is over or `signal` aborts.
     */
    async get(userId: string, id: string, wait: { waitMs?: number; signal?: AbortSignal } = {}, known?: PathDataset) {
      let ds = await findOwned(userId, id, known);
      const deadline = Date.now() + (wait.waitMs ?? 0);
      while (ds.status === 'processing' && !wait.signal?.aborted && !stopping) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        const done = await waiters.until(ds.id, Math.min(left, WAIT_RECHECK_MS), wait.signal);
        ds = done?.userId === userId ? done : await findOwned(userId, id);
      }
      return datasetView(ds);
    },

    async patch(
      userId: string,
      id: string,
      body: { name?: string; description?: string | null; columns?: { name: string; type?: ColumnType; newName?: string }[] },
    ) {
      const ds = await findOwned(userId, id);
      const changes = body.columns ?? [];
      if (changes.length > 0 && ds.status !== 'ready') await findReady(userId, id); // throws the 409

      // Validate every entry first, so a bad one changes nothing.
      const issues: { path: string; message: string }[] = [];
      const indexOf = new Map(ds.columns.map((c, i) => [c.name, i]));
      const seen = new Set<number>();
      changes.forEach((ch, i) => {
        const index = indexOf.get(ch.name);
        if (index === undefined) issues.push({ path: `columns.${i}.name`, message: `Unknown column "${ch.name.slice(0, 200)}".` });
        else if (seen.has(index)) issues.push({ path: `columns.${i}.name`, message: `Column "${ch.name.slice(0, 200)}" is listed twice.` });
        else seen.add(index);
      });
      const finalNames = ds.columns.map((c) => c.name);
      changes.forEach((ch) => {
        const index = indexOf.get(ch.name);
        if (index !== undefined && ch.newName !== undefined) finalNames[index] = ch.newName;
      });
      changes.forEach((ch, i) => {
        if (ch.newName !== undefined && finalNames.filter((n) => n === ch.newName).length > 1) {
          issues.push({ path: `columns.${i}.newName`, message: `Another column is already named "${ch.newName.slice(0, 200)}".` });
        }
      });
      if (issues.length > 0) throw AppError.validation(issues);

      const columns = ds.columns.map((c) => ({ ...c }));
      const retyped = changes.filter((ch) => ch.type !== undefined && ch.type !== ds.columns[indexOf.get(ch.name)!].type);
      const conversions: { column: string; converted: number; nulled: number }[] = [];
      let version = ds.version;
      if (retyped.length > 0) {
        version = ds.version + 1;
        await claimVersion(userId, ds, version);
        const changed = new Set<number>();
        try {
          const table = await loadTable(ds, retyped.map((ch) => ch.name));
          for (const ch of retyped) {
            const index = indexOf.get(ch.name)!;
            const source = table.columns.find((c) => c.name === ch.name)!;
            const result = convertColumn(source, ch.type!, ds.rowCount);
            await store.save(ds.id, version, [{ index, column: result.column }]);
            columns[index] = { ...columns[index], type: ch.type!, ...nullAndDistinctCounts(result.column) };
            conversions.push({ column: ch.newName ?? ch.name, converted: result.converted, nulled: result.nulled });
            changed.add(index);
          }
          await store.copy(ds.id, ds.version, version, ds.columns.map((_, i) => i).filter((i) => !changed.has(i)));
        } catch (err) {
          // The version is this change's own (claimed): what was written of it goes.
          await store.dropVersion(ds.id, version).catch(() => undefined);
          throw err;
        }
      }
      finalNames.forEach((n, i) => (columns[i].name = n));

      const updated = await repo.update(userId, id, ds.version, {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        columns,
        version,
      });
      if (!updated) {
        if (version !== ds.version) await store.dropVersion(ds.id, version).catch(() => undefined);
        throw concurrentChange();
      }
      if (version !== ds.version) {
        await store.prune(ds.id, version);
        store.forget(ds.id);
      }
      const view = datasetView(await findOwned(userId, id));
      return retyped.length > 0 ? { ...view, conversions } : view;
    },

    async remove(userId: string, id: string): Promise<void> {
      if (!(await repo.delete(userId, id))) throw AppError.notFound('Dataset');
      store.forget(id);
    },

    async rows(userId: string, id: string, q: { limit: number; offset: number; columns?: string[]; sort?: string; filter?: string | string[] }, known?: PathDataset) {
      const ds = await findReady(userId, id, known);
      const { table, rows } = await selectRows(ds, q);
      const total = rows ? rows.length : ds.rowCount;
      const end = Math.min(total, q.offset + q.limit);
      const data: Record<string, unknown>[] = [];
      for (let k = q.offset; k < end; k++) {
        const r = rows ? rows[k] : k;
        const row = rowObject();
        for (const col of table.columns) row[col.name] = cellValue(col, r);
        data.push(row);
      }
      return { data, page: { total, limit: q.limit, offset: q.offset } };
    },

    async export(userId: string, id: string, q: { format: (typeof EXPORT_FORMATS)[number]; columns?: string[]; sort?: string; filter?: string | string[] }, known?: PathDataset) {
      const ds = await findReady(userId, id, known);
      const { table, rows } = await selectRows(ds, q);
      const all = rows ?? Int32Array.from({ length: ds.rowCount }, (_, i) => i);
      const base = safeFilename(ds.name).replace(/["\\;]/g, '_') || 'dataset';
      switch (q.format) {
        case 'csv':
          return { filename: `${base}.csv`, contentType: 'text/csv; charset=utf-8', body: toCsv(table, all) };
        case 'json':
          return { filename: `${base}.json`, contentType: 'application/json; charset=utf-8', body: toJson(table, all) };
        case 'xlsx':
          return {
            filename: `${base}.xlsx`,
            contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
            body: await toXlsx(table, all),
          };
      }
    },

    /** Uploads whose server is gone (no sign of life for a lease) become `failed`: none stays `processing`. */
    async failAbandoned(): Promise<number> {
      const ids = await repo.failStale(INTERRUPTED_REASON, new Date(Date.now() - opts.leaseMs));
      for (const id of ids) await store.prune(id, null).catch(() => undefined);
      return ids.length;
    },

    /** The server is stopping: requests waiting for a dataset answer now, with what it is now. */
    stopWaiting(): void {
      stopping = true;
      waiters.wakeAll();
    },

    /** Waits for background ingests (graceful shutdown, tests). */
    async idle(): Promise<void> {
      while (background.size > 0) await Promise.allSettled([...background]);
    },
  };
}
export type DatasetsService = ReturnType<typeof datasetsService>;
