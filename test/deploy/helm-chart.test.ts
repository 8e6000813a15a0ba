import { describe, expect, it } from 'vitest';
import { checkConfigText } from './support/config-check.js';
import { helm, renderChart, type K8sObject } from './support/helm.js';

/** deploy/helm/airlock, linted and rendered by a real Helm, with the values files in ci/. */

interface Container {
  name: string;
  image: string;
  readinessProbe?: { httpGet?: { path: string; port: string } };
  livenessProbe?: { httpGet?: { path: string; port: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
  ports?: { name: string; containerPort: number }[];
}

interface PodSpec {
  serviceAccountName: string;
  securityContext: { runAsNonRoot?: boolean; runAsUser?: number };
  terminationGracePeriodSeconds: number;
  topologySpreadConstraints?: { topologyKey: string; whenUnsatisfiable: string; maxSkew: number }[];
  containers: Container[];
}

function find(objects: K8sObject[], kind: string, nameSuffix: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix));
  if (!found)
    throw new Error(
      `no ${kind} *${nameSuffix} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found;
}

function podSpec(deployment: K8sObject): PodSpec {
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec;
}

function configOf(objects: K8sObject[], role: 'gateway' | 'agent') {
  return find(objects, 'ConfigMap', `-${role}`).data?.['airlock.yaml'] as string;
}

function expectHardened(spec: PodSpec) {
  expect(spec.securityContext.runAsNonRoot).toBe(true);
  expect(spec.securityContext.runAsUser).not.toBe(0);
  for (const container of spec.containers) {
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(container.securityContext?.capabilities?.drop).toEqual(['ALL']);
    expect(container.resources?.requests?.['cpu']).toBeDefined();
    expect(container.resources?.requests?.['memory']).toBeDefined();
  }
}

describe('the Helm chart', () => {
  it('lints clean with each values file', () => {
    for (const values of [
      'ci/minimal-values.yaml',
      'ci/production-values.yaml',
      'ci/agent-only-values.yaml',
    ]) {
      const lint = helm(['lint', '.', '--strict', '-f', values]);
      expect(lint.stderr + lint.stdout, values).toContain('0 chart(s) failed');
      expect(lint.status, `${values}\n${lint.stdout}${lint.stderr}`).toBe(0);
    }
  });

  it('refuses to render a gateway without its public URL or an identity provider', () => {
    const noUrl = helm([
      'template',
      'airlock',
      '.',
      '--set',
      'gateway.auth.issuers[0].issuer=https://i.example.com',
    ]);
    expect(noUrl.status).not.toBe(0);
    expect(noUrl.stderr).toContain('gateway.publicUrl is required');
    const noIssuer = helm(['template', 'airlock', '.', '--set', 'gateway.publicUrl=https://a.example.com']);
    expect(noIssuer.status).not.toBe(0);
    expect(noIssuer.stderr).toContain('gateway.auth.issuers needs at least one OIDC issuer');
  });

  describe('minimal values: a gateway', () => {
    const objects = renderChart(['ci/minimal-values.yaml']);
    const deployment = find(objects, 'Deployment', '-gateway');
    const spec = podSpec(deployment);

    it('renders the gateway and nothing of the agent, Ingress or IRSA', () => {
      expect(objects.map((o) => o.kind).sort()).toEqual(
        ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service', 'Service', 'ServiceAccount'].sort(),
      );
      expect(objects.some((o) => o.metadata.name.endsWith('-agent'))).toBe(false);
      expect(find(objects, 'ServiceAccount', '-gateway').metadata.annotations).toBeUndefined();
    });

    it('spreads replicas across zones, with a disruption budget', () => {
      expect((deployment.spec as { replicas: number }).replicas).toBe(3);
      const zone = spec.topologySpreadConstraints?.find(
        (c) => c.topologyKey === 'topology.kubernetes.io/zone',
      );
      expect(zone).toMatchObject({ maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule' });
      const pdb = find(objects, 'PodDisruptionBudget', '-gateway');
      expect(pdb.spec).toMatchObject({ maxUnavailable: 1 });
      expect((pdb.spec as { selector: unknown }).selector).toEqual(
        (deployment.spec as { selector: unknown }).selector,
      );
    });

    it('probes /readyz and /healthz on the operations port, which serves metrics too', () => {
      const gateway = spec.containers[0]!;
      expect(gateway.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'operations' });
      expect(gateway.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'operations' });
      expect(gateway.ports).toContainEqual({ name: 'operations', containerPort: 9464, protocol: 'TCP' });
      expect(deployment.spec).toMatchObject({
        template: { metadata: { annotations: { 'prometheus.io/port': '9464' } } },
      });
    });

    it('runs non-root on a read-only root filesystem with no capabilities', () => {
      expectHardened(spec);
    });

    it('waits longer than the drain before killing a pod', () => {
      const config = configOf(objects, 'gateway');
      const grace = Number(/graceSeconds: (\d+)/.exec(config)?.[1]);
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(grace);
    });

    it('renders a gateway configuration that `airlock config check` accepts', () => {
      const config = configOf(objects, 'gateway');
      expect(config).toContain('connectionStringFile: /etc/airlock/secrets/postgres-url');
      expect(config).not.toMatch(/postgresql:\/\//);
      const check = checkConfigText(config);
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    });
  });

  describe('production values: Ingress, IRSA, Kinesis, KMS, access rules', () => {
    const objects = renderChart(['ci/production-values.yaml']);

    it('annotates the service account with the IAM role (IRSA)', () => {
      expect(find(objects, 'ServiceAccount', '-gateway').metadata.annotations).toEqual({
        'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/airlock-gateway',
      });
      expect(podSpec(find(objects, 'Deployment', '-gateway')).serviceAccountName).toBe('airlock-gateway');
    });

    it('routes the public host through the Ingress to the gateway service', () => {
      const ingress = find(objects, 'Ingress', '-gateway');
      expect(ingress.spec).toMatchObject({
        ingressClassName: 'alb',
        rules: [
          {
            host: 'airlock.example.com',
            http: { paths: [{ backend: { service: { name: 'airlock-gateway', port: { name: 'http' } } } }] },
          },
        ],
      });
    });

    it('puts issuers, access rules, Kinesis and KMS into a configuration the gateway accepts', () => {
      const config = configOf(objects, 'gateway');
      for (const expected of [
        'issuer: https://example.okta.com/oauth2/aus1a2b3c4d5e6f7g8h9',
        'stream: airlock-recording',
        'kmsKeyId: alias/airlock-recording',
        '- drop_*',
        'mode: hide',
      ])
        expect(config).toContain(expected);
      const check = checkConfigText(config);
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    });

    it('uses the pinned image from the values', () => {
      expect(podSpec(find(objects, 'Deployment', '-gateway')).containers[0]!.image).toBe(
        '123456789012.dkr.ecr.eu-west-1.amazonaws.com/airlock-gateway:0.1.0',
      );
    });
  });

  describe('agent-only values: an agent in a private cluster', () => {
    const objects = renderChart(['ci/agent-only-values.yaml']);
    const deployment = find(objects, 'Deployment', '-agent');

    it('renders the agent and no gateway', () => {
      expect(objects.some((o) => o.metadata.name.endsWith('-gateway'))).toBe(false);
      expect(find(objects, 'ServiceAccount', '-agent').metadata.annotations).toEqual({
        'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/airlock-agent',
      });
    });

    it('is hardened and probed like the gateway', () => {
      const spec = podSpec(deployment);
      expectHardened(spec);
      expect(spec.containers[0]!.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'operations' });
      expect(spec.containers[0]!.ports).toContainEqual({
        name: 'operations',
        containerPort: 9465,
        protocol: 'TCP',
      });
    });

    it('reads its token from the Secret, never from the configuration', () => {
      const config = configOf(objects, 'agent');
      expect(config).toContain('tokenFile: /etc/airlock/secrets/agent-token');
      expect(config).not.toMatch(/^\s*token:/m);
      expect(config).toContain('caFile: /etc/airlock/gateway-ca/ca.crt');
      const check = checkConfigText(config);
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    });
  });
});
