/**
 * Where things live on the engine rig's network (tests/e2e/rig/lib.sh): the engine's bridge, on which the
 * containers it runs sit, and the host's address on it. What a container must reach (a registry stand-in that
 * skopeo or codecov-cli talks to, moto and the smoke target under `dagger call`) listens there: loopback inside a
 * container is the container itself.
 */
import { networkInterfaces } from "node:os";

/** The engine rig's bridge (lib.sh ENGINE_BRIDGE). */
const ENGINE_BRIDGE = "fmrig0";

/** The port of the Docker Hub registry stand-in on the bridge (lib.sh DOCKER_HUB_STANDIN_REGISTRY). */
export const DOCKER_HUB_STANDIN_PORT = 5001;

/** The host's address on the engine's bridge: what a container the engine runs reaches the host at. */
export function engineBridgeAddress(): string {
  const address = networkInterfaces()[ENGINE_BRIDGE]?.find((a) => a.family === "IPv4")?.address;
  if (!address) throw new Error(`no IPv4 address on ${ENGINE_BRIDGE}: is the engine rig up (tests/e2e/rig/up)?`);
  return address;
}
