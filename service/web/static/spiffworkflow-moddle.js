// Moddle descriptor for the SpiffWorkflow extension elements the engine reads
// (user task properties such as formKey/stage/dueIn, and service task operators).
window.SPIFFWORKFLOW_MODDLE = {
  name: 'SpiffWorkflow',
  uri: 'http://spiffworkflow.org/bpmn/schema/1.0/core',
  prefix: 'spiffworkflow',
  xml: { tagAlias: 'lowerCase' },
  associations: [],
  types: [
    { name: 'Properties', superClass: ['Element'], properties: [{ name: 'values', type: 'Property', isMany: true }] },
    { name: 'Property', superClass: ['Element'], properties: [
      { name: 'name', type: 'String', isAttr: true }, { name: 'value', type: 'String', isAttr: true }] },
    { name: 'ServiceTaskOperator', superClass: ['Element'], properties: [
      { name: 'id', type: 'String', isAttr: true }, { name: 'resultVariable', type: 'String', isAttr: true },
      { name: 'parameters', type: 'Parameters' }] },
    { name: 'Parameters', superClass: ['Element'], properties: [{ name: 'values', type: 'Parameter', isMany: true }] },
    { name: 'Parameter', superClass: ['Element'], properties: [
      { name: 'id', type: 'String', isAttr: true }, { name: 'type', type: 'String', isAttr: true },
      { name: 'value', type: 'String', isAttr: true }] }
  ]
};
