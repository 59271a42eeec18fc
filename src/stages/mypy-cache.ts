import { CacheSharingMode, type CacheVolume, type Container, dag } from "@dagger.io/dagger";

import type { PipelineSettings } from "../core/settings.js";

/** Where mypy keeps its incremental cache across runs; MYPY_CACHE_DIR overrides a service's own cache_dir. */
const MYPY_CACHE_DIR = "/var/cache/faultmaven-mypy";

/**
 * Sets each Python source's modification time to a hash of its content. mypy reuses a cached module without reading
 * it when the file's size and whole-second mtime match its record, and a copy into a container keeps the host's
 * mtimes: an edit of the same size within the same second would pass unchecked. With times derived from content,
 * equal times mean equal content (but for a 1 in 2^31 hash collision at an equal size).
 */
const STAMP_SOURCES = `import hashlib, os, pathlib
for path in pathlib.Path(".").rglob("*.py*"):
    if path.suffix in (".py", ".pyi") and path.is_file() and not path.is_symlink():
        stamp = int.from_bytes(hashlib.sha256(path.read_bytes()).digest()[:4], "big") >> 1
        os.utime(path, (stamp, stamp))
`;

/**
 * The lint container, for mypy: its incremental cache in a cache volume, so a run rechecks only the modules that
 * changed and what depends on them (about 10 of the 80 CPU-s of a ci run with one source file changed). Private: a
 * run that finds the volume in use by another gets a fresh one rather than a cache written under its feet.
 */
export function withMypyCache(python: Container, settings: PipelineSettings): Container {
  return python
    .withExec(["python", "-c", STAMP_SOURCES])
    .withMountedCache(MYPY_CACHE_DIR, mypyCacheVolume(settings), { sharing: CacheSharingMode.Private })
    .withEnvVariable("MYPY_CACHE_DIR", MYPY_CACHE_DIR);
}

/** One cache per Python version and package: mypy keeps a cache per Python version inside it, too. */
export function mypyCacheVolume(settings: PipelineSettings): CacheVolume {
  return dag.cacheVolume(`faultmaven-mypy-${settings.pythonVersion}-${settings.packageName}`);
}
