import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { TestCase, TestProblem, TestSuite } from './model';

/** A JUnit document that could not be read; names the source and what is wrong. */
export class JUnitParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JUnitParseError';
  }
}

type XmlNode = Record<string, unknown>;

const repeated = new Set(['testsuites', 'testsuite', 'testcase', 'failure', 'error', 'skipped', 'property', 'system-out', 'system-err']);

let parser: XMLParser | undefined;

/** The parser, made on first use: a task that fails on its inputs never loads fast-xml-parser. */
function xmlParser(): XMLParser {
  return (parser ??= new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Numeric character references (&#10; in attributes) are only decoded with this on.
  htmlEntities: true,
  isArray: (name) => repeated.has(name),
  }));
}

function attr(node: XmlNode, name: string): string | undefined {
  const value = node[`@_${name}`];
  return value === undefined ? undefined : String(value);
}

function text(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node !== 'object') return String(node);
  const value = (node as XmlNode)['#text'];
  return value === undefined ? undefined : String(value);
}

function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  // Some writers use a thousands separator ("1,234.5").
  const parsed = Number(value.replace(/,/g, ''));
  return Number.isFinite(parsed) ? parsed : undefined;
}

function children(node: XmlNode, name: string): unknown[] {
  const value = node[name];
  return Array.isArray(value) ? value : [];
}

function readProblem(node: unknown): TestProblem {
  const element = typeof node === 'object' && node !== null ? (node as XmlNode) : {};
  const trace = text(node)?.trim() || undefined;
  const message = attr(element, 'message') ?? trace?.split('\n')[0] ?? '';
  return { message, type: attr(element, 'type'), trace };
}

function readCase(node: XmlNode, suiteName: string): TestCase {
  const testCase: TestCase = {
    name: attr(node, 'name') ?? '(unnamed)',
    classname: attr(node, 'classname') ?? attr(node, 'class') ?? suiteName,
    time: seconds(attr(node, 'time')),
  };
  const failure = children(node, 'failure')[0];
  if (failure !== undefined) testCase.failure = readProblem(failure);
  const error = children(node, 'error')[0];
  if (error !== undefined) testCase.error = readProblem(error);
  const skipped = children(node, 'skipped')[0];
  if (skipped !== undefined) {
    const message = typeof skipped === 'object' && skipped !== null ? attr(skipped as XmlNode, 'message') : undefined;
    testCase.skipped = { message: message ?? (text(skipped)?.trim() || undefined) };
  }
  const out = children(node, 'system-out').map(text).filter(Boolean).join('\n');
  if (out) testCase.systemOut = out;
  const err = children(node, 'system-err').map(text).filter(Boolean).join('\n');
  if (err) testCase.systemErr = err;
  return testCase;
}

function readSuite(node: XmlNode, fallbackName: string, into: TestSuite[]): void {
  const name = attr(node, 'name') ?? fallbackName;
  const properties: Record<string, string> = {};
  const propertiesNode = node.properties;
  if (propertiesNode && typeof propertiesNode === 'object') {
    for (const property of children(propertiesNode as XmlNode, 'property')) {
      const key = attr(property as XmlNode, 'name');
      if (key !== undefined) properties[key] = attr(property as XmlNode, 'value') ?? text(property) ?? '';
    }
  }
  const cases = children(node, 'testcase').map((c) => readCase(c as XmlNode, name));
  into.push({
    name,
    timestamp: attr(node, 'timestamp'),
    hostname: attr(node, 'hostname'),
    time: seconds(attr(node, 'time')),
    properties: Object.keys(properties).length > 0 ? properties : undefined,
    cases,
  });
  // Some writers (Maven surefire aggregations, pytest-xdist merges) nest suites.
  for (const nested of children(node, 'testsuite')) readSuite(nested as XmlNode, name, into);
}

/** The suites of a `<testsuites>` element, including those of `<testsuites>` nested in it (merged reports). */
function readSuites(container: unknown, fallbackName: string, into: TestSuite[]): void {
  const node = typeof container === 'object' && container !== null ? (container as XmlNode) : {};
  for (const suite of children(node, 'testsuite')) readSuite(suite as XmlNode, fallbackName, into);
  for (const nested of children(node, 'testsuites')) readSuites(nested, fallbackName, into);
}

/**
 * Reads a JUnit XML document: a `<testsuites>` root, a single `<testsuite>` root, or nested suites
 * (`<testsuite>` in `<testsuite>`, `<testsuites>` in `<testsuites>`),
 * as written by pytest, unittest-xml-reporting, Maven surefire and this extension's writer.
 * @param source named in errors, e.g. the file's path.
 * @throws JUnitParseError when the document is not well-formed XML or has no test suite.
 */
export function parseJUnitXml(xml: string, source: string): TestSuite[] {
  // A writer that crashed before its first byte leaves an empty file; say so rather than quote a parser position.
  if (xml.trim() === '') throw new JUnitParseError(`${source} is empty, not a JUnit report`);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new JUnitParseError(`${source} is not well-formed XML: ${msg} (line ${line}${col === undefined ? '' : `, column ${col}`})`);
  }
  const document = xmlParser().parse(xml) as XmlNode;
  const suites: TestSuite[] = [];
  const fallbackName = source.split('/').pop()?.replace(/\.xml$/i, '') ?? source;
  if (Array.isArray(document.testsuites)) {
    for (const root of document.testsuites) readSuites(root, fallbackName, suites);
  } else if (Array.isArray(document.testsuite)) {
    for (const suite of document.testsuite) readSuite(suite as XmlNode, fallbackName, suites);
  } else {
    throw new JUnitParseError(`${source} is not a JUnit report: its root element is neither <testsuites> nor <testsuite>`);
  }
  return suites;
}
