/** What a kubeconfig for one test cluster and one bearer-token user needs. */
export interface KubeconfigParams {
  readonly clusterName: string;
  readonly userName: string;
  readonly server: string;
  /** PEM of the CA that signed the API server's serving certificate. */
  readonly caCert: string;
  readonly token: string;
}

/**
 * Renders a single-context kubeconfig as YAML text, the form the agent and
 * kubectl take. Values go in as JSON strings, which are valid YAML
 * double-quoted scalars, so no name or token can break the document.
 */
export function renderKubeconfig(params: KubeconfigParams): string {
  const q = (value: string): string => JSON.stringify(value);
  const caData = Buffer.from(params.caCert, 'utf8').toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${q(params.clusterName)}`,
    '  cluster:',
    `    server: ${q(params.server)}`,
    `    certificate-authority-data: ${q(caData)}`,
    'users:',
    `- name: ${q(params.userName)}`,
    '  user:',
    `    token: ${q(params.token)}`,
    'contexts:',
    `- name: ${q(params.clusterName)}`,
    '  context:',
    `    cluster: ${q(params.clusterName)}`,
    `    user: ${q(params.userName)}`,
    `current-context: ${q(params.clusterName)}`,
    '',
  ].join('\n');
}
