import type { RegistryProvider } from "../../api/types";

/** What each provider needs, as a person adding one would want to be told. */
export interface ProviderInfo {
  value: RegistryProvider;
  label: string;
  /** The host, when the provider has one. */
  host: string | null;
  /** An example host for providers hosted per account or region. */
  example: string;
  user: string;
  secret: string;
}

export const PROVIDERS: ProviderInfo[] = [
  { value: "dockerHub", label: "Docker Hub", host: "docker.io", example: "docker.io", user: "Docker ID", secret: "Personal access token (or password)" },
  { value: "ghcr", label: "GitHub (GHCR)", host: "ghcr.io", example: "ghcr.io", user: "GitHub user name", secret: "Classic token with read:packages" },
  { value: "lscr", label: "LinuxServer (LSCR)", host: "lscr.io", example: "lscr.io", user: "GitHub user name", secret: "Classic token with read:packages" },
  { value: "quay", label: "Quay", host: "quay.io", example: "quay.io", user: "Robot account (namespace+robot)", secret: "Robot token" },
  { value: "gitLab", label: "GitLab", host: "registry.gitlab.com", example: "registry.gitlab.com", user: "User name or deploy token user", secret: "Token with read_registry" },
  { value: "gcr", label: "Google (GCR)", host: "gcr.io", example: "gcr.io or eu.gcr.io", user: "_json_key (or oauth2accesstoken)", secret: "Service account key JSON (or access token)" },
  { value: "artifactRegistry", label: "Google Artifact Registry", host: null, example: "europe-west1-docker.pkg.dev", user: "_json_key (or oauth2accesstoken)", secret: "Service account key JSON (or access token)" },
  { value: "acr", label: "Azure (ACR)", host: null, example: "myregistry.azurecr.io", user: "Service principal id or admin user", secret: "Its secret or password" },
  { value: "gitea", label: "Gitea / Forgejo", host: null, example: "git.home.lan", user: "Login", secret: "Password or access token" },
  { value: "custom", label: "Other registry", host: null, example: "nas.lan:5000", user: "User name", secret: "Password or token" },
];

/**
 * Shown, never offered: ECR's access keys must be exchanged for a token (AWS SigV4), which
 * Squirrel does not do yet; an ECR registry imported from Docker's config is still named.
 */
const ECR: ProviderInfo = { value: "ecr", label: "Amazon ECR", host: null, example: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", user: "AWS", secret: "Token" };

export function providerInfo(value: RegistryProvider): ProviderInfo {
  if (value === "ecr") return ECR;
  return PROVIDERS.find((p) => p.value === value) ?? PROVIDERS[PROVIDERS.length - 1];
}
