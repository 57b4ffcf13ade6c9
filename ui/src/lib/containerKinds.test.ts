import { describe, expect, it } from "vitest";
import { makeContainer } from "../test/fixtures";
import { actionLabel, capabilitiesOf, imageText, kindAllows } from "./containerKinds";
import { availableActions, lifecycleActions } from "./containerState";

describe("what each kind of container offers (from the backend's constants)", () => {
  it("offers a Docker container everything, as before", () => {
    expect(lifecycleActions("running", "docker")).toEqual(["stop", "restart", "pause", "kill"]);
    expect(availableActions("exited", "docker")).toEqual(["start", "rename", "displayName", "remove"]);
    expect(capabilitiesOf("docker")).toMatchObject({ logs: true, stats: true, details: true, recreate: true });
  });

  it("offers a Proxmox guest its lifecycle in Proxmox's words, and no rename or removal", () => {
    expect(lifecycleActions("running", "lxc")).toEqual(["stop", "restart", "kill"]);
    // Suspend is a VM's: an LXC container's needs CRIU.
    expect(lifecycleActions("running", "qemu")).toEqual(["stop", "restart", "pause", "kill"]);
    expect(actionLabel("qemu", "pause", "Pause")).toBe("Suspend");
    expect(availableActions("exited", "qemu")).toEqual(["start", "displayName"]);
    expect(kindAllows("lxc", "remove")).toBe(false);
    expect(kindAllows("lxc", "rename")).toBe(false);
    expect(actionLabel("lxc", "stop", "Stop")).toBe("Shut down");
    expect(actionLabel("qemu", "kill", "Kill")).toBe("Stop now");
    expect(actionLabel("docker", "stop", "Stop")).toBe("Stop");
    // Its history and current numbers (from the cluster poll) and its config, no live stream.
    expect(capabilitiesOf("qemu")).toMatchObject({ logs: false, stats: true, liveStats: false, guestConfig: true, details: false, recreate: false });
    expect(capabilitiesOf("docker")).toMatchObject({ liveStats: true, guestConfig: false });
  });

  it("a container stored before kinds existed is Docker's", () => {
    expect(capabilitiesOf(undefined).kind).toBe("docker");
  });

  it("shows where a guest runs in place of an image", () => {
    const guest = makeContainer({
      kind: "lxc",
      image: "",
      guest: { node: "pve1", vmid: 101, tags: [], cpusMilli: 2000, maxMemory: 1, maxDisk: 1, template: false, lock: null, startedAt: null },
    });
    expect(imageText(guest)).toBe("LXC 101 · pve1");
    expect(imageText(makeContainer())).toBe("nginx:1.27");
  });
});
