// Prints the C library memory settings (GLIBC_TUNABLES) that `npm start` gives the server on this
// machine. Other systems ignore them.
//
// - mmap_threshold=1048576: every freed block of 1 MB or more goes back to the system at once, so
//   the columns of one upload do not stay in the process after it (see the README).
// - hugetlb=1, only where touching new memory is slow: the allocator asks Linux for large (2 MB)
//   pages, so the process takes one page fault where it took 512. On some virtual machines each
//   fault costs about 10 µs (2.6-3.8 ms per MB touched, against 0.42 elsewhere): there an upload of
//   the 1M-row file took 36,800 faults and 777 ms with small pages, 5,200 faults and 586 ms with
//   large ones. Where faults are cheap, large pages made loads slower and uneven instead, so they
//   are not used there: Linux clears each new 2 MB page before handing it out, and on these virtual
//   machines a large page often comes from memory the machine had never used, which is slow to get
//   (a slow load spent two thirds of its time clearing pages; Linux never had to tidy memory).
import { pathToFileURL } from 'node:url';

const MB = 1024 * 1024;
/** Above this cost of touching new memory, large pages pay (seen: 0.42 ms/MB on fast machines, 2.6-3.8 on slow ones). */
const SLOW_MS_PER_MB = 1.2;

/** Milliseconds per MB to touch memory the process never had (best of a few tries: noise only adds time). */
export function firstTouchMsPerMb(tries = 3, mb = 8) {
  let best = Infinity;
  for (let i = 0; i < tries; i++) {
    const started = performance.now();
    Buffer.alloc(mb * MB, 1);
    best = Math.min(best, (performance.now() - started) / mb);
  }
  return best;
}

export function mallocTunables(msPerMb = firstTouchMsPerMb()) {
  const settings = ['glibc.malloc.mmap_threshold=1048576'];
  if (msPerMb >= SLOW_MS_PER_MB) settings.push('glibc.malloc.hugetlb=1');
  return settings.join(':');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const msPerMb = firstTouchMsPerMb();
  // --explain: what it measured too (for a person; `npm start` reads only the settings).
  process.stdout.write(process.argv.includes('--explain') ? `${msPerMb.toFixed(2)} ms per MB: ${mallocTunables(msPerMb)}\n` : mallocTunables(msPerMb));
}
