// The public face of the workflows: every capability's contract (messages, inputs, view slices,
// search attributes, failure types). The API, the worker, activities, scripts and tests import
// this file, never a workflow's implementation.
export * from './shared';
