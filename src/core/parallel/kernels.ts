// Every kernel split-rows.ts may hand to the helper thread, by name (the helper imports this list).
import { binCountsKernel, valueRangeKernel } from '../binning.js';
import { codeCountsKernel, dayLevelsKernel, slotCountsKernel, slotSumsKernel } from '../group-by.js';
import { pearsonSumsKernel } from '../stats/correlation.js';
import { describeColumnsKernel } from '../stats/describe.js';
import type { RowKernel } from './split-rows.js';

const kernels: RowKernel<never>[] = [valueRangeKernel, binCountsKernel, codeCountsKernel, dayLevelsKernel, slotCountsKernel, slotSumsKernel, pearsonSumsKernel, describeColumnsKernel];

export const ROW_KERNELS: ReadonlyMap<string, RowKernel<object>> = new Map(kernels.map((k) => [k.name, k as RowKernel<object>]));
