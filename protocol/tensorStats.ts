// The stats line of the tensor and attention views and of the kernel's PNG pictures of them: over
// the finite values, with NaN, +Inf and −Inf counted apart, from current payloads and from
// notebooks saved before payload version 2.
import type { LegacyTensorStats, TensorStats } from './outputPayloads';
import { formatValue } from './numberText';

/** Version 2 stats, plus version 1's count of infinities of either sign. */
export interface ViewStats extends TensorStats {
  unsignedInfCount?: number;
}

/** Version 2 stats from either version: a legacy all-non-finite tensor's zeros become null. */
export function normalizedStats(stats: TensorStats | LegacyTensorStats): ViewStats {
  if ('finiteCount' in stats) return stats;
  // Version 1 counted +Inf and −Inf together and said 0 where no value was finite; its sign is lost.
  const unknownFinite = stats.min === 0 && stats.max === 0 && stats.std === 0 && stats.nanCount + stats.infCount > 0;
  const present = (value: number) => (unknownFinite ? null : value);
  return {
    min: present(stats.min),
    max: present(stats.max),
    mean: present(stats.mean),
    std: present(stats.std),
    finiteCount: NaN,
    nanCount: stats.nanCount,
    posInfCount: 0,
    negInfCount: 0,
    unsignedInfCount: stats.infCount,
  };
}

/** "min … · max … · mean … · std …", then the non-finite counts; says so when no value is finite. */
export function statsLine(raw: TensorStats | LegacyTensorStats): string {
  const stats = normalizedStats(raw);
  const counts = [
    [stats.nanCount, 'NaN'],
    [stats.posInfCount, '+Inf'],
    [stats.negInfCount, '−Inf'],
    [stats.unsignedInfCount ?? 0, 'Inf'],
  ]
    .filter(([count]) => count)
    .map(([count, what]) => `${count} ${what}`);
  if (stats.min === null || stats.max === null) return ['no finite values', ...counts].join(' · ');
  const parts = [
    `min ${formatValue(stats.min)}`,
    `max ${formatValue(stats.max)}`,
    `mean ${formatValue(stats.mean ?? NaN)}`,
    `std ${stats.std === null ? '—' : formatValue(stats.std)}`,
  ];
  if (counts.length && Number.isFinite(stats.finiteCount)) parts.push(`over ${stats.finiteCount} finite values`);
  return [...parts, ...counts].join(' · ');
}
