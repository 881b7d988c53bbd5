/**
 * Where `diff` reads its two sides from: catalog files, synthesized manifest directories
 * (`synth --out`), or either at a Git revision (`git show`, `git cat-file --batch`).
 * Also how SARIF names a catalog file (relative to the repository root).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { UsageError } from './io';
import { CatalogLocator } from '../analysis/sarif';
import { ServiceCatalog } from '../model/catalog';

/** Manifest files of a synthesized phase directory: every YAML file but the kustomization. */
function isManifestFile(rel: string): boolean {
  return /\.ya?ml$/.test(rel) && path.basename(rel) !== 'kustomization.yaml' && path.basename(rel) !== 'kustomization.yml';
}

/** Every object of the YAML documents in `text`; a YAML error names the file and line. */
export function parseManifests(text: string, file: string): any[] {
  const docs = YAML.parseAllDocuments(text, { prettyErrors: true });
  const out: any[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const error = doc.errors[0];
      const line = error.linePos?.[0];
      throw new UsageError(`${file}${line ? `:${line.line}:${line.col}` : ''}: not valid YAML: ${error.message.split('\n')[0]}`);
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) {
      out.push(value);
    }
  }
  return out;
}

function listFiles(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap(e => (e.isDirectory() ? listFiles(dir, path.join(rel, e.name)) : e.isFile() ? [path.join(rel, e.name)] : []))
    .sort();
}

/** The objects of `<root>/<phase>/` as `synth --out <root>` writes them. */
export function readManifestDirectory(root: string, phase: string): { objects: any[]; files: Map<string, string> } {
  const dir = path.join(root, phase);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`no manifests for phase ${phase}: ${dir} is not a directory (write it with: mesh-ladder synth <catalog> --phase ${phase} --out ${root})`);
  }
  const objects: any[] = [];
  const files = new Map<string, string>();
  for (const rel of listFiles(dir).filter(isManifestFile)) {
    for (const obj of parseManifests(fs.readFileSync(path.join(dir, rel), 'utf8'), path.join(dir, rel))) {
      objects.push(obj);
      files.set(identity(obj), path.join(dir, rel));
    }
  }
  return { objects, files };
}

function identity(obj: any): string {
  return `${obj?.kind}/${obj?.metadata?.namespace ?? ''}/${obj?.metadata?.name}`;
}

/** The key `readManifestDirectory` files objects under. */
export function manifestIdentity(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

function git(cwd: string, args: string[], input?: string): Buffer {
  try {
    return execFileSync('git', args, { cwd, input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1024 * 1024 * 1024 });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? '').trim();
    throw new UsageError(`git ${args.join(' ')}: ${stderr || (e as Error).message}`);
  }
}

/** The repository root holding `file`, or undefined outside a Git work tree. */
export function gitRoot(file: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: path.dirname(path.resolve(file)), stdio: ['ignore', 'pipe', 'ignore'] })
      .toString().trim();
  } catch {
    return undefined;
  }
}

/** `file` relative to the repository root (`/`-separated), or relative to the working directory outside Git. */
export function repositoryPath(file: string): string {
  const root = gitRoot(file);
  const absolute = fs.existsSync(file) ? fs.realpathSync(file) : path.resolve(file);
  const rel = path.relative(root ? fs.realpathSync(root) : process.cwd(), absolute);
  return rel.split(path.sep).join('/');
}

function repoFor(file: string): { root: string; rel: string } {
  const root = gitRoot(file);
  if (root === undefined) {
    throw new UsageError(`--base needs a Git work tree: ${file} is not in one`);
  }
  return { root, rel: repositoryPath(file) };
}

/** The catalog file as it was at `ref` (the file at the same path in the repository). */
export function catalogAtRevision(file: string, ref: string): ServiceCatalog {
  const { root, rel } = repoFor(file);
  const text = git(root, ['show', `${ref}:${rel}`]).toString('utf8');
  return ServiceCatalog.fromYaml(text, `${ref}:${rel}`);
}

/** The objects of `<root>/<phase>/` as they were at `ref`, read in one `git cat-file --batch`. */
export function manifestDirectoryAtRevision(root: string, phase: string, ref: string): any[] {
  const repo = repoFor(path.join(root, phase));
  const dir = repositoryPath(path.join(root, phase));
  const names = git(repo.root, ['ls-tree', '-r', '-z', '--name-only', ref, '--', dir]).toString('utf8').split('\0')
    .filter(n => n.length > 0 && isManifestFile(n)).sort();
  if (names.length === 0) {
    throw new UsageError(`no manifests for phase ${phase} at ${ref}: ${dir} holds no YAML there`);
  }
  const out = git(repo.root, ['cat-file', '--batch'], names.map(n => `${ref}:${n}`).join('\n') + '\n');
  const objects: any[] = [];
  let offset = 0;
  for (const name of names) {
    const header = out.subarray(offset, out.indexOf(0x0a, offset)).toString('utf8');
    const size = Number(header.split(' ')[2]);
    const start = out.indexOf(0x0a, offset) + 1;
    objects.push(...parseManifests(out.subarray(start, start + size).toString('utf8'), `${ref}:${name}`));
    offset = start + size + 1;
  }
  return objects;
}

/**
 * Finds catalog fields for SARIF: the catalog file relative to the repository root, lines
 * from the YAML. `file` defaults to the file the catalog was read from.
 */
export function catalogLocator(catalog: ServiceCatalog, file?: string): CatalogLocator {
  const source = file ?? catalog._locateField([])?.file;
  return {
    uri: source === undefined || source.includes(':') && !fs.existsSync(source) ? source ?? 'catalog.yaml' : repositoryPath(source),
    spec: catalog.spec,
    locate: p => catalog._locateField(p),
  };
}
