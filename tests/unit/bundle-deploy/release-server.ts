// Kept only for tests/tasks/DatabricksBundleDeployV1, which other branches edit now: point their
// imports at tests/fakes/cli-release-server and delete this file.
export * from '../../fakes/cli-release-server';
