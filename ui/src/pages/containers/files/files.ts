// Paths and modes of a container's files, as the Files tab shows them.

/** `/a/b` and `c` joined; `..` goes up (never above `/`). */
export function joinPath(dir: string, name: string): string {
  if (name === "..") return parentOf(dir);
  return dir === "/" ? `/${name}` : `${dir.replace(/\/+$/, "")}/${name}`;
}

export function parentOf(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const at = trimmed.lastIndexOf("/");
  return at <= 0 ? "/" : trimmed.slice(0, at);
}

/** The crumbs of a path: `/`, then each folder with its full path. */
export function crumbs(path: string): { name: string; path: string }[] {
  const out = [{ name: "/", path: "/" }];
  let at = "";
  for (const part of path.split("/").filter(Boolean)) {
    at += `/${part}`;
    out.push({ name: part, path: at });
  }
  return out;
}

/** `drwxr-xr-x`, as `ls -l` writes it (setuid, setgid and sticky bits included). */
export function modeString(kind: string, mode: number): string {
  const type = kind === "folder" ? "d" : kind === "link" ? "l" : kind === "other" ? "?" : "-";
  const bits = ["r", "w", "x", "r", "w", "x", "r", "w", "x"].map((c, i) => ((mode >> (8 - i)) & 1 ? c : "-"));
  const special = (i: number, on: boolean, set: string, unset: string) => {
    if (on) bits[i] = bits[i] === "x" ? set : unset;
  };
  special(2, (mode & 0o4000) !== 0, "s", "S");
  special(5, (mode & 0o2000) !== 0, "s", "S");
  special(8, (mode & 0o1000) !== 0, "t", "T");
  return type + bits.join("");
}
