// Validates rendered Kubernetes manifests offline, strictly (like `kubeconform -strict`):
//   node tools/helm-check.mjs --tools <dir with node_modules> FILE.yaml...
// The schemas are generated from the API models that @kubernetes/client-node ships (every
// field of every type, the required ones from its type declarations); ajv checks each
// manifest against its kind's schema, refusing unknown fields, wrong types and missing
// required fields. A kind without a schema here is an error, not a skip. Prints one line per
// problem and `manifests: N valid` on success; exits 1 on any problem.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const toolsAt = args.indexOf('--tools');
if (toolsAt < 0 || !args[toolsAt + 1]) {
  process.stderr.write('usage: node tools/helm-check.mjs --tools DIR FILE...\n');
  process.exit(2);
}
const tools = args[toolsAt + 1];
const files = args.filter((_, i) => i !== toolsAt && i !== toolsAt + 1);
const require = createRequire(join(tools, 'package.json'));
const Ajv = require('ajv');
const YAML = require('yaml');
const modelsDir = join(tools, 'node_modules/@kubernetes/client-node/dist/gen/models');
const { typeMap } = await import(pathToFileURL(join(modelsDir, 'ObjectSerializer.js')).href).catch(
  () => ({}),
);
const models = typeMap ?? (await import(pathToFileURL(join(modelsDir, 'all.js')).href));

// apiVersion/kind -> model. Only the kinds listed here validate; anything else fails.
const KINDS = {
  'v1/ConfigMap': 'V1ConfigMap',
  'v1/Secret': 'V1Secret',
  'v1/Service': 'V1Service',
  'v1/ServiceAccount': 'V1ServiceAccount',
  'v1/PersistentVolumeClaim': 'V1PersistentVolumeClaim',
  'apps/v1/Deployment': 'V1Deployment',
  'apps/v1/StatefulSet': 'V1StatefulSet',
  'apps/v1/DaemonSet': 'V1DaemonSet',
  'batch/v1/Job': 'V1Job',
  'batch/v1/CronJob': 'V1CronJob',
  'policy/v1/PodDisruptionBudget': 'V1PodDisruptionBudget',
  'autoscaling/v2/HorizontalPodAutoscaler': 'V2HorizontalPodAutoscaler',
  'networking.k8s.io/v1/Ingress': 'V1Ingress',
  'networking.k8s.io/v1/NetworkPolicy': 'V1NetworkPolicy',
  'rbac.authorization.k8s.io/v1/Role': 'V1Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'V1RoleBinding',
};
// resource.Quantity fields: the models type them as strings; the API takes numbers too.
const QUANTITIES = new Set([
  'V1ResourceRequirements.limits',
  'V1ResourceRequirements.requests',
  'V1EmptyDirVolumeSource.sizeLimit',
  'V2MetricTarget.averageValue',
  'V2MetricTarget.value',
]);

/** Required properties: those declared without `?` in the model's .d.ts. */
function requiredOf(name) {
  const dts = readFileSync(join(modelsDir, `${name}.d.ts`), 'utf8');
  return [...dts.matchAll(/^\s+'([^']+)'(\??):/gm)].filter((m) => m[2] === '').map((m) => m[1]);
}

const definitions = {};
function typeSchema(type, format, owner, prop) {
  if (QUANTITIES.has(`${owner}.${prop}`)) {
    const quantity = { type: ['string', 'number'] };
    return type.startsWith('{') ? { type: 'object', additionalProperties: quantity } : quantity;
  }
  let m;
  if ((m = /^Array<(.+)>$/.exec(type))) return { type: 'array', items: typeSchema(m[1], '', owner, '') };
  if ((m = /^\{ \[key: string\]: (.+); \}$/.exec(type)))
    return { type: 'object', additionalProperties: typeSchema(m[1], '', owner, '') };
  switch (type) {
    case 'string':
    case 'Date':
      return { type: 'string' };
    case 'number':
      return { type: /^int/.test(format) ? 'integer' : 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'IntOrString':
      return { type: ['integer', 'string'] };
    case 'any':
      return {};
    default:
      if (!models[type]?.attributeTypeMap) throw new Error(`no model for type ${type} (${owner}.${prop})`);
      define(type);
      return { $ref: `#/definitions/${type}` };
  }
}
function define(name) {
  if (definitions[name]) return;
  definitions[name] = {}; // placeholder against recursion (JSONSchemaProps)
  const required = requiredOf(name);
  const properties = {};
  for (const a of models[name].attributeTypeMap) {
    const s = typeSchema(a.type, a.format, name, a.baseName);
    // The API server accepts null for any optional field.
    properties[a.baseName] = required.includes(a.baseName) ? s : { anyOf: [{ type: 'null' }, s] };
  }
  definitions[name] = { type: 'object', additionalProperties: false, properties, required };
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map();
function validatorFor(model) {
  if (!validators.has(model)) {
    define(model);
    validators.set(model, ajv.compile({ $ref: `#/definitions/${model}`, definitions }));
  }
  return validators.get(model);
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const problems = [];
const seen = new Set();
let valid = 0;
for (const file of files) {
  const docs = YAML.parseAllDocuments(readFileSync(file, 'utf8'));
  docs.forEach((doc, i) => {
    const where = `${file}#${i + 1}`;
    if (doc.errors.length) {
      problems.push(`${where}: YAML: ${doc.errors[0].message}`);
      return;
    }
    const m = doc.toJS();
    if (m === null || m === undefined) return; // an empty document between separators
    const id = `${m.apiVersion}/${m.kind}`;
    const what = `${where} ${m.kind ?? '?'}/${m.metadata?.name ?? '?'}`;
    const model = KINDS[id];
    if (!model) {
      problems.push(`${what}: no schema for ${id}`);
      return;
    }
    const before = problems.length;
    const validate = validatorFor(model);
    if (!validate(m)) {
      for (const e of validate.errors) {
        // anyOf null|T reports both branches; the null one says nothing useful.
        if (e.keyword === 'anyOf' || (e.keyword === 'type' && e.params.type === 'null')) continue;
        problems.push(
          `${what}: ${e.instancePath || '/'} ${e.message}${e.params.additionalProperty ? ` '${e.params.additionalProperty}'` : ''}`,
        );
      }
    }
    const name = m.metadata?.name;
    if (typeof name !== 'string' || name.length > 253 || !DNS1123_SUBDOMAIN.test(name))
      problems.push(`${what}: metadata.name is not a DNS-1123 subdomain`);
    for (const labels of [m.metadata?.labels, m.spec?.template?.metadata?.labels]) {
      for (const [k, v] of Object.entries(labels ?? {})) {
        if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v))
          problems.push(`${what}: label ${k} has an invalid value`);
      }
    }
    const key = `${file}:${id}/${m.metadata?.namespace ?? ''}/${name}`;
    if (seen.has(key)) problems.push(`${what}: rendered twice`);
    seen.add(key);
    if (problems.length === before) valid++;
  });
}
if (valid + problems.length === 0) problems.push(`${files.join(' ')}: no manifests`);
for (const p of problems) process.stderr.write(`${p}\n`);
process.stdout.write(`manifests: ${valid} valid, ${problems.length} problems\n`);
process.exit(problems.length ? 1 : 0);
