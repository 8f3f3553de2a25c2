import type { NginxFleet } from './fleet.js';
import type { NginxFileChange, SafeApplyOptions, SafeApplyResult } from './apply-files.js';
import type { NginxProbe } from './probe.js';

/**
 * Changes files of one nginx safely, the only way serein changes an nginx: under the
 * webserver's lock, the previous version of each file is kept (`<path>.serein-bak`, never
 * for a private key, and handed to `onPrevious` before any write), the new files are written, `nginx -t`
 * must pass, nginx reloads gracefully, and each probe must pass. On any failure the
 * previous files are put back (a refused file is kept as `<path>.rejected`) and the
 * error says, in plain words, what nginx complained about; the running nginx keeps
 * serving the other sites. Concurrent calls are batched (see NginxApplier).
 *
 * Resolves once this change is live and its own probes passed.
 */
export function safeApplyNginx(
  fleet: NginxFleet,
  webserverName: string,
  files: NginxFileChange[],
  probes: NginxProbe[],
  opts: SafeApplyOptions = {},
): Promise<SafeApplyResult> {
  return new Promise<SafeApplyResult>((resolve, reject) => {
    const a = fleet.applier(webserverName);
    if (files.length === 0) throw new TypeError('safeApplyNginx: no file to change');
    const seen = new Set<string>();
    for (const f of files) {
      if (!f.path.startsWith('/') || f.path.split('/').includes('..') || /[\0\n]/.test(f.path))
        throw new TypeError(`safeApplyNginx: bad path ${JSON.stringify(f.path)}`);
      if (seen.has(f.path)) throw new TypeError(`safeApplyNginx: ${f.path} given twice`);
      seen.add(f.path);
    }
    a.submit({ files, probes, opts, previous: [], resolve, reject });
  });
}
