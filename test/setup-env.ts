// Handlers read these once at load, as they do in Lambda. Credentials are dummies: unit tests mock
// every client and workflow tests talk to a local moto server only.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// CDK's built-in CloudFormation validation (a WASM engine) costs seconds per synthesized App and only
// warns; the bundled assembly the infra tests share is synthesized with it on, and
// test/infra/cloud-assembly.test.ts fails on any finding it reports.
process.env.CDK_VALIDATION ??= 'false';
