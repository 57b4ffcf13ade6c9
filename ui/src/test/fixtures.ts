import type { Container, DeviceSummary } from "../api/types";

export function makeContainer(overrides: Partial<Container> = {}): Container {
  return {
    uuid: "c-1",
    deviceUuid: "d-1",
    engineId: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    name: "web",
    displayName: null,
    image: "nginx:1.27",
    imageId: "sha256:abc",
    command: "nginx -g 'daemon off;'",
    state: "running",
    exitCode: null,
    health: null,
    created: 1_700_000_000,
    ports: [],
    labels: {},
    networks: ["bridge"],
    mounts: [],
    kind: "docker",
    guest: null,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function makeDevice(overrides: Partial<DeviceSummary> = {}): DeviceSummary {
  return {
    device: {
      uuid: "d-1",
      name: "local",
      connection: { type: "localSocket", path: "/var/run/docker.sock" },
      enabled: true,
      resyncIntervalSecs: 300,
    statsIntervalSecs: 10,
      createdAt: 1_700_000_000,
    },
    status: { state: "online", engineVersion: "27.3.1" },
    nodes: [],
    containerCount: 1,
    runningCount: 1,
    offlineSince: null,
    ...overrides,
  };
}
