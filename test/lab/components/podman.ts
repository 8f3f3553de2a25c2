/**
 * podman: `podman system service` (a Docker-compatible API for dockerode), an image imported from
 * busybox-static, and one running container on the host network with the host's /usr mounted
 * read-only (so nginx, mariadb, psql... run inside). Every podman file lives in the lab's folder.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { killPids } from '../processes.ts';
import { defineComponent, findBinary, httpRequest, type LabContext } from '../shared.ts';

/** LabInfo['podman']: the API socket, the image, and the container that is always running. */
export interface PodmanInfo {
  /** Unix socket of the Docker-compatible API (for dockerode). */
  socketPath: string;
  image: string;
  container: string;
}

const IMAGE = 'localhost/serein-lab:latest';

/** How every podman command of a lab runs: its config files, temp folder and runc state all in the lab folder. */
function podmanCtx(lab: LabContext): { env: NodeJS.ProcessEnv; globalArgs: string[]; base: string } {
  const base = path.join(lab.dir, 'podman');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONTAINERS_CONF: path.join(base, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: path.join(base, 'storage.conf'),
    TMPDIR: path.join(base, 'tmp'),
  };
  return { env, globalArgs: ['--runtime-flag', `root=${base}/runc`], base };
}

/** The Docker-compatible engine container targets run on. */
export const podman = defineComponent<PodmanInfo>({
  packages: {
    podman: ['/usr/bin/podman', '/usr/bin/conmon'],
    runc: ['/usr/sbin/runc'],
    'busybox-static': ['/usr/bin/busybox'],
    tar: ['/usr/bin/tar'],
  },
  needs: [],
  async start(lab) {
    const podmanBin = findBinary('podman');
    findBinary('runc');
    const busybox = fs.existsSync('/usr/bin/busybox') ? '/usr/bin/busybox' : findBinary('busybox');
    const base = await lab.mkdir('podman');
    for (const d of ['storage', 'run', 'tmp', 'runc', 'volumes', 'networks', 'helpers']) await lab.mkdir('podman', d);
    // A stand-in for netavark: containers on a bridge network would add iptables rules, a bridge
    // interface and a /run/netns mount to the host (and podman would fall back to CNI, which does the
    // same, if netavark were simply missing). Make that fail with a clear message instead.
    const fakeNetavark = path.join(base, 'helpers', 'netavark');
    await fsp.writeFile(
      fakeNetavark,
      `#!/bin/sh\necho '{"error": "serein lab: bridge networking is disabled; create containers with HostConfig.NetworkMode host or none"}'\nexit 1\n`,
      { mode: 0o755 },
    );
    await fsp.writeFile(
      path.join(base, 'containers.conf'),
      `# serein test lab
[containers]
# the machine does not allow raising ulimits
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "host"
# do not copy the host's proxy variables into containers (everything here is loopback)
http_proxy = false

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${base}/events.log"
tmp_dir = "${base}/tmp"
static_dir = "${base}/storage/libpod"
volume_path = "${base}/volumes"
image_copy_tmp_dir = "${base}/tmp"
# no /dev/shm/libpod_lock
lock_type = "file"
num_locks = 512
# exec sessions' conmon lingers this long (seconds) after the exec ends, so that its exit code can be read
exit_command_delay = 30
# no real netavark here: bridge networking (which would change the host's firewall) fails loudly
helper_binaries_dir = ["${base}/helpers"]

[network]
network_backend = "netavark"
network_config_dir = "${base}/networks"
`,
    );
    await fsp.writeFile(
      path.join(base, 'storage.conf'),
      `[storage]
driver = "vfs"
graphroot = "${base}/storage"
runroot = "${base}/run"
`,
    );
    const { env, globalArgs } = podmanCtx(lab);
    const socketPath = path.join(base, 'podman.sock');

    // the API service first: it starts while we build the image
    const service = lab.spawn(
      'podman-service',
      podmanBin,
      [...globalArgs, 'system', 'service', '--time=0', `unix://${socketPath}`],
      { env },
    );

    // a tiny image from the host's busybox-static: /usr/bin/busybox + applet links + usr-merge symlinks
    const rootfs = await lab.mkdir('podman', 'rootfs');
    for (const d of [
      'usr/bin',
      'usr/sbin',
      'usr/lib',
      'usr/lib64',
      'etc',
      'root',
      'tmp',
      'var/tmp',
      'var/log',
      'var/lib',
      'var/cache',
      'proc',
      'sys',
      'dev',
      'run',
      'home',
    ]) {
      await fsp.mkdir(path.join(rootfs, d), { recursive: true });
    }
    await fsp.chmod(path.join(rootfs, 'tmp'), 0o1777);
    await fsp.chmod(path.join(rootfs, 'var/tmp'), 0o1777);
    for (const d of ['bin', 'sbin', 'lib', 'lib64']) await fsp.symlink(`usr/${d}`, path.join(rootfs, d));
    await fsp.copyFile(busybox, path.join(rootfs, 'usr/bin/busybox'));
    await fsp.chmod(path.join(rootfs, 'usr/bin/busybox'), 0o755);
    const applets = (await lab.run('busybox', busybox, ['--list']))
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => /^[\w.[-]+$/.test(s) && s !== 'busybox');
    await Promise.all(
      applets.map((a) => fsp.symlink('busybox', path.join(rootfs, 'usr/bin', a)).catch(() => undefined)),
    );
    await fsp.writeFile(
      path.join(rootfs, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
    );
    await fsp.writeFile(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    await fsp.writeFile(path.join(rootfs, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
    const tarball = path.join(base, 'rootfs.tar');
    await lab.run('tar', findBinary('tar'), [
      '--numeric-owner',
      '--owner=0',
      '--group=0',
      '-C',
      rootfs,
      '-cf',
      tarball,
      '.',
    ]);
    await fsp.rm(rootfs, { recursive: true, force: true });
    await lab.run(
      'podman-import',
      podmanBin,
      [...globalArgs, 'import', '--change', 'CMD ["/bin/sh"]', tarball, IMAGE],
      { env },
    );
    await fsp.rm(tarball, { force: true });

    // a long-lived container on the host network, with the host's /usr (nginx, mariadb, psql clients...)
    const container = `serein-lab-${randomBytes(4).toString('hex')}`;
    await lab.run(
      'podman-run',
      podmanBin,
      [
        ...globalArgs,
        'run',
        '-d',
        '--name',
        container,
        '--network=host',
        '--label',
        'serein-lab=1',
        '-v',
        '/usr:/usr:ro',
        IMAGE,
        'sleep',
        'infinity',
      ],
      { env },
    );

    await lab.waitUntil(
      'podman API service',
      async () => {
        const r = await httpRequest('http://d/_ping', { socketPath, timeoutMs: 1000 });
        return r.status === 200 && r.body.trim() === 'OK';
      },
      service,
    );
    return { socketPath, image: IMAGE, container };
  },

  /** Removes the containers (and kills their init if runc left it), then, once stopped, their cgroups. */
  async beforeStop(lab) {
    const ctx = podmanCtx(lab);
    if (!fs.existsSync(ctx.env.CONTAINERS_CONF ?? '')) return; // never configured: nothing of podman's to remove
    const podmanBin = findBinary('podman');
    let ids: string[] = [];
    try {
      ids = await fsp.readdir(path.join(ctx.base, 'storage', 'vfs-containers'));
    } catch {
      /* none */
    }
    const initPids: number[] = [];
    for (const id of ids) {
      try {
        const st = JSON.parse(await fsp.readFile(path.join(ctx.base, 'runc', id, 'state.json'), 'utf8')) as {
          init_process_pid?: number;
        };
        if (st.init_process_pid) initPids.push(st.init_process_pid);
      } catch {
        /* not running */
      }
    }
    if (ids.length > 0) {
      await lab
        .run('podman-rm', podmanBin, [...ctx.globalArgs, 'rm', '-a', '-f', '-t', '0'], {
          env: ctx.env,
          timeoutMs: 30_000,
          allowWhileStopping: true,
        })
        .catch(() => undefined);
    }
    for (const pid of initPids) {
      let cg = '';
      try {
        cg = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
      } catch {
        continue;
      }
      if (cg.includes('libpod-')) await killPids([pid], 0);
    }
    // ids of the containers just removed: their cgroups are removed once every process is stopped
    return () => removeContainerCgroups(ids);
  },

  shellCleanup: {
    beforeKill: String.raw`
pm="$dir/podman"
ids=$(ls "$pm/storage/vfs-containers" 2>/dev/null)
cpids=""
for s in "$pm"/runc/*/state.json; do
  [ -f "$s" ] || continue
  p=$(grep -o '"init_process_pid":[0-9]*' "$s" | grep -o '[0-9]*$')
  [ -n "$p" ] && cpids="$cpids $p"
done
if [ -f "$pm/containers.conf" ] && command -v podman >/dev/null 2>&1; then
  CONTAINERS_CONF="$pm/containers.conf" CONTAINERS_STORAGE_CONF="$pm/storage.conf" TMPDIR="$pm/tmp" \
    timeout 20 podman --runtime-flag "root=$pm/runc" rm -a -f -t 0 >/dev/null 2>&1
fi
for p in $cpids; do
  grep -qs 'libpod-' "/proc/$p/cgroup" && kill -KILL "$p" 2>/dev/null
done
`,
    afterKill: String.raw`
for id in $ids; do
  for c in /sys/fs/cgroup/*/libpod_parent/libpod-"$id" /sys/fs/cgroup/libpod_parent/libpod-"$id"; do
    [ -d "$c" ] && rmdir "$c" 2>/dev/null
  done
done
`,
  },
});

function removeContainerCgroups(ids: string[]): void {
  if (ids.length === 0) return;
  let roots: string[] = [];
  try {
    roots = fs.readdirSync('/sys/fs/cgroup').map((c) => path.join('/sys/fs/cgroup', c));
  } catch {
    return;
  }
  roots.push('/sys/fs/cgroup');
  for (const id of ids) {
    for (const r of roots) {
      try {
        fs.rmdirSync(path.join(r, 'libpod_parent', `libpod-${id}`));
      } catch {
        /* absent or busy */
      }
    }
  }
}
