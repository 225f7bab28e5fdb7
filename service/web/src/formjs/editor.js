// What the form editor page adds to form-js's editor (as additionalModules):
//  - the palette offers the field types the server converts to JSON Schema (service/workflows/formjs.py), in the
//    order this service's forms use them, and no others (in every language);
//  - in Chinese, the editor's own words come from the dictionary in ./zh.js, applied through form-js's extension
//    points: a `translate` for the properties panel's built-in strings, the fields' registrations (palette and
//    header names, a new field's label), a last properties provider that renames groups and entries (their
//    labels are plain strings in form-js 1.x) and a context-pad provider (the remove button's title).
//  - What no extension point reaches (form-js 1.x writes them straight into its markup: the palette's heading,
//    search box and group titles, the empty canvas, the panel's "Form" heading and empty states, the pop-up
//    button of a templated text, the viewer's placeholders in canvas and preview) is renamed on
//    the page, by exact string, inside those few elements only (see `relabelMarkup`).
import { cloneElement, createElement } from 'preact';
import { FIELD_NAMES, ZH } from './zh.js';
import './editor.css';

// The palette's offer: the field types formjs.py turns into JSON Schema, in this order. `text` (the form's title,
// "# 标题") stays registered for the title but is not offered (editor.css hides it): a second one would not be kept.
export const OFFERED = ['textfield', 'textarea', 'number', 'datetime', 'radio', 'select', 'checkbox'];
const KEPT = new Set([...OFFERED, 'default', 'text']);

/** form-js's translate: the dictionary's Chinese for `template` (else the English), {name}s filled in. */
export function translate(template, replacements) {
  const text = Object.prototype.hasOwnProperty.call(ZH, template) ? ZH[template] : template;
  return text.replace(/{([^}]+)}/g, (whole, key) => (replacements && key in replacements ? replacements[key] : whole));
}

// The dictionary's templates ("… length of {minLength}.") as patterns, for messages form-js writes with the
// numbers already in ("… length of 8."): the numbers are taken back out and put into the Chinese.
const TEMPLATES = Object.keys(ZH).filter((key) => key.indexOf('{') !== -1).map((key) => {
  const names = [];
  const source = key.split(/{([^}]+)}/).map((part, i) => {
    if (i % 2) {
      names.push(part);
      return '(.+?)';
    }
    return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  }).join('');
  return { key, names, pattern: new RegExp('^' + source + '$') };
});

/** A message with its values filled in (as form-js's viewer writes its checks) in Chinese, else as it is. */
export function translateMessage(message) {
  if (typeof message !== 'string' || Object.prototype.hasOwnProperty.call(ZH, message)) {
    return say(message);
  }
  for (const template of TEMPLATES) {
    const match = template.pattern.exec(message);
    if (match) {
      const values = {};
      template.names.forEach((name, i) => { values[name] = match[i + 1]; });
      return translate(template.key, values);
    }
  }
  return message;
}

/** A single string through the dictionary (anything else as it is). */
function say(value) {
  return typeof value === 'string' ? translate(value) : value;
}

// The palette's entries are the registered field types (form-js reads `formFields._formFields` for it, and offers
// no other switch): the types the server cannot convert are taken out, the kept ones registered again in the
// order above (the palette lists them in registration order), each with its name and a new field's label.
function registerFields(formFields, names) {
  const registered = formFields._formFields;
  const kept = {};
  [...OFFERED, ...Object.keys(registered)].forEach((type) => {
    if (KEPT.has(type) && registered[type] && !kept[type]) {
      kept[type] = registered[type];
    }
  });
  Object.keys(registered).forEach((type) => { delete registered[type]; });
  Object.keys(kept).forEach((type) => {
    formFields.register(type, names ? named(kept[type], names[type]) : kept[type]);
  });
}

// A field type under its Chinese name: the same component and config, with `name` (palette, panel header) and a
// new field's English default label/text ("Text field", "# Text") in Chinese.
function named(Field, name) {
  if (!name || Field.config.type === 'default') {
    return Field;
  }
  const config = Field.config;
  const create = config.create;
  const Named = function (props) { return createElement(Field, props); };
  Named.config = Object.assign({}, config, {
    name: name,
    create: function (options, isNewField) {
      const made = create(options || {}, isNewField);
      if (isNewField !== false) {
        ['label', 'dateLabel', 'timeLabel'].forEach((path) => {
          if ((options || {})[path] === undefined && typeof made[path] === 'string') {
            made[path] = config.type === 'datetime' || path !== 'label' ? say(made[path]) : name;
          }
        });
        if ((options || {}).text === undefined && made.text === '# Text') {
          made.text = '# ' + name;
        }
        if ((options || {}).values === undefined && Array.isArray(made.values)) {
          made.values = made.values.map(newOption);
        }
      }
      return made;
    }
  });
  return Named;
}

// A new option form-js names "Value" / "Value 2" (its value stays value / value2): "选项 1" / "选项 2".
function newOption(option) {
  const match = /^Value(?: (\d+))?$/.exec(option && option.label);
  return match ? Object.assign({}, option, { label: translate('Value {index}', { index: match[1] || '1' }) }) : option;
}

// Words form-js writes into a field when the panel edits it: an option added to the list ("Value 2"), the date
// or time label it sets when the subtype changes ("Date"). A command interceptor (form-js's way to take part
// in an edit) puts them in Chinese before the edit is made.
function ChineseEdits(eventBus) {
  eventBus.on('commandStack.formField.edit.preExecute', function (event) {
    const context = event.context || {};
    const properties = context.properties || {};
    const before = (context.formField && context.formField.values) || [];
    if (Array.isArray(properties.values)) {
      properties.values = properties.values.map((o) => (before.indexOf(o) === -1 ? newOption(o) : o));
    }
    ['dateLabel', 'timeLabel'].forEach((path) => {
      if (typeof properties[path] === 'string') {
        properties[path] = say(properties[path]);
      }
    });
  });
}
ChineseEdits.$inject = ['eventBus'];

// Properties panel. form-js builds an entry's label inside the entry's component (`label: 'Field label'` in the
// component's body), so a last provider wraps each entry's component: the component runs as before and the
// element tree it returns (before Preact renders it) has its words translated: `label`, `description`,
// `tooltip`, `placeholder`, `title` props, text children of plain elements, the options a select offers, a
// validator's message, and `translate` for the panel's own components that accept one (FEEL toggle, lists).
const WORD_PROPS = ['label', 'description', 'tooltip', 'placeholder', 'title', 'switcherLabel'];
const wrapped = new WeakMap();

function relabel(node) {
  if (Array.isArray(node)) {
    return node.map(relabel);
  }
  if (typeof node === 'string') {
    return say(node);
  }
  if (!node || typeof node !== 'object' || !('props' in node) || !('type' in node)) {
    return node;
  }
  const props = node.props || {};
  const changed = {};
  WORD_PROPS.forEach((name) => {
    if (typeof props[name] === 'string' && say(props[name]) !== props[name]) {
      changed[name] = say(props[name]);
    } else if (props[name] && typeof props[name] === 'object') {  // words as markup (a description with a link)
      changed[name] = relabel(props[name]);
    }
  });
  if (typeof node.type === 'function') {
    // Description and TooltipWrapper take their words as `value` (with a `forId`); an input's value is data.
    if ('forId' in props && props.value && (typeof props.value === 'string' || typeof props.value === 'object')) {
      changed.value = relabel(props.value);  // a description may be markup: "Supports markdown … <a>Learn more</a>"
    }
    if (props.translate !== translate) {  // form-js passes its English fallback down where it has no other
      changed.translate = translate;
    }
    if (typeof props.validate === 'function') {
      changed.validate = cached(props.validate, (fn) => function (value) { return say(fn(value)); });
    }
    if (Array.isArray(props.options)) {
      changed.options = props.options.map((o) => (o && typeof o.label === 'string'
        ? Object.assign({}, o, { label: say(o.label) }) : o));
    }
    if (typeof props.getOptions === 'function') {
      changed.getOptions = cached(props.getOptions, (fn) => function () {
        const options = fn.apply(this, arguments);
        return Array.isArray(options) ? options.map((o) => (o && typeof o.label === 'string'
          ? Object.assign({}, o, { label: say(o.label) }) : o)) : options;
      });
    }
  }
  if (props.children !== undefined && typeof props.children !== 'function') {
    changed.children = relabel(props.children);
  }
  return Object.keys(changed).length ? cloneElement(node, changed) : node;
}

function cached(fn, make) {
  if (!wrapped.has(fn)) {
    wrapped.set(fn, make(fn));
  }
  return wrapped.get(fn);
}

function relabelComponent(Component) {
  return cached(Component, (C) => function ChineseEntry(props) { return relabel(C(props)); });
}

function relabelEntry(entry) {
  const changed = Object.assign({}, entry);
  WORD_PROPS.forEach((name) => { if (typeof entry[name] === 'string') { changed[name] = say(entry[name]); } });
  if (typeof entry.component === 'function') {
    changed.component = relabelComponent(entry.component);
  }
  if (Array.isArray(entry.entries)) {
    changed.entries = entry.entries.map(relabelEntry);
  }
  return changed;
}

function relabelGroup(group) {
  const changed = relabelEntry(group);
  changed.translate = translate;
  if (group.component) {
    changed.component = group.component;  // a group's own component (a list) takes `translate`: not wrapped
  }
  if (Array.isArray(group.items)) {  // a list's items are named by their data (an option's label): kept
    changed.items = group.items.map((item) => Object.assign(relabelEntry(item), { label: item.label }));
  }
  return changed;
}

function ChineseProperties(propertiesPanel) {
  propertiesPanel.registerProvider(this, 1);  // priority 1: after form-js's own provider (1000)
}
ChineseProperties.prototype.getGroups = function () {
  return (groups) => groups.map(relabelGroup);
};
ChineseProperties.$inject = ['propertiesPanel'];

// Settings the form cannot keep (service/workflows/formjs.py, SETTINGS: refused, with their panel entries; the page
// passes them as data-hidden-entries): their entries and groups are taken out of the properties panel, in every
// language, so that they are not offered (the save refuses them by name all the same). `*-x` names every entry
// whose id ends in `-x` (form-js 1.23 prefixes some ids); a group left with no entries goes too.
function hiddenMatcher(hidden) {
  const exact = new Set(hidden.filter((id) => id.indexOf('*') !== 0));
  const suffixes = hidden.filter((id) => id.indexOf('*') === 0).map((id) => id.slice(1));
  return (id) => typeof id === 'string' && (exact.has(id) || suffixes.some((end) => id.endsWith(end)));
}

export function withoutHidden(groups, hidden) {
  const isHidden = hiddenMatcher(hidden);
  return groups.filter((group) => !isHidden(group.id)).map((group) => {
    if (!Array.isArray(group.entries)) {
      return group;
    }
    return Object.assign({}, group, { entries: group.entries.filter((entry) => !isHidden(entry.id)) });
  }).filter((group) => !Array.isArray(group.entries) || group.entries.length > 0 || Array.isArray(group.items));
}

function HiddenSettings(propertiesPanel, config) {
  this._hidden = (config && config.hidden) || [];
  propertiesPanel.registerProvider(this, 2);  // after form-js's own provider (1000), before the Chinese one (1)
}
HiddenSettings.prototype.getGroups = function () {
  return (groups) => withoutHidden(groups, this._hidden);
};
HiddenSettings.$inject = ['propertiesPanel', 'config.hiddenSettings'];

// What the panel offers in every language, beyond the hidden settings:
//  - no FEEL toggle ("fx" beside a label): the form keeps plain values, and the save refuses a limit written as an
//    expression ("=…"). form-js 1.23 has no switch for it (its FeelEntry renders the toggle for every FEEL type),
//    so each entry's element tree is walked before Preact renders it: a FEEL entry and its text field are wrapped
//    (called as functions, as form-js itself calls them), and the toggle's node is left out of the text field's
//    tree. The entry stays form-js's own (its input, tooltip, description, error and pop-up editor).
//  - the text field's 格式 (validationType): form-js has one empty choice for "no format" and "a pattern of your
//    own" and calls it "Custom"; it reads "No format" (不限) unless a pattern is set.
function isFeelToggle(props) {  // FeelIcon: { label, feel, onClick, active, translate }
  return 'feel' in props && 'active' in props && typeof props.onClick === 'function' && !('getValue' in props);
}

function isFeelEntry(node) {  // FeelEntry and its FeelTextfield (not the input they render: their OptionalComponent)
  const props = node.props || {};
  return typeof props.getValue === 'function' && ('feel' in props || 'OptionalComponent' in props)
    && node.type !== props.OptionalComponent && !node.type._forwarded && !('containerRef' in props);
}

function withoutFeel(node) {
  if (Array.isArray(node)) {
    return node.map(withoutFeel);
  }
  if (!node || typeof node !== 'object' || !('props' in node) || !('type' in node)) {
    return node;
  }
  const props = node.props || {};
  if (typeof node.type === 'function') {
    if (isFeelToggle(props)) {
      return null;
    }
    if (isFeelEntry(node)) {
      return cloneWithType(node, plainly(node.type, (C) => function PlainEntry(p) { return withoutFeel(C(p)); }));
    }
    return node;
  }
  if (props.children !== undefined && typeof props.children !== 'function') {
    const children = withoutFeel(props.children);
    return children === props.children ? node : cloneElement(node, { children });
  }
  return node;
}

const plain = new WeakMap();
function plainly(fn, make) {
  if (!plain.has(fn)) {
    plain.set(fn, make(fn));
  }
  return plain.get(fn);
}

function cloneWithType(node, type) {
  const props = Object.assign({}, node.props);
  if (node.key !== undefined && node.key !== null) {
    props.key = node.key;
  }
  if (node.ref) {
    props.ref = node.ref;
  }
  return createElement(type, props);
}

function validationTypeOptions(node, field) {
  if (Array.isArray(node)) {
    return node.map((child) => validationTypeOptions(child, field));
  }
  if (!node || typeof node !== 'object' || !('props' in node)) {
    return node;
  }
  const props = node.props || {};
  const changed = {};
  if (Array.isArray(props.options)) {
    const pattern = field && field.validate && field.validate.pattern;
    changed.options = props.options.map((o) => (o && o.value === '' && o.label === 'Custom' && !pattern
      ? Object.assign({}, o, { label: 'No format' }) : o));
  }
  if (props.children !== undefined && typeof props.children !== 'function') {
    changed.children = validationTypeOptions(props.children, field);
  }
  return Object.keys(changed).length ? cloneElement(node, changed) : node;
}

function plainEntry(entry) {
  const changed = Object.assign({}, entry);
  if (typeof entry.component === 'function') {
    const validation = entry.id === 'validationType';
    changed.component = plainly(entry.component, (C) => (validation
      ? function PlainValidationType(props) { return validationTypeOptions(C(props), props.field); }
      : function PlainEntry(props) { return withoutFeel(C(props)); }));
  }
  if (Array.isArray(entry.entries)) {
    changed.entries = entry.entries.map(plainEntry);
  }
  return changed;
}

function PlainSettings(propertiesPanel) {
  propertiesPanel.registerProvider(this, 3);  // after form-js's own provider (1000), before the hidden (2)
}
PlainSettings.prototype.getGroups = function () {
  return (groups) => groups.map((group) => {
    const changed = plainEntry(group);
    if (group.component) {
      changed.component = group.component;  // a list: its items' entries are plain text fields
    }
    return changed;
  });
};
PlainSettings.$inject = ['propertiesPanel'];

function ChineseContextPad(formFieldContextActions, formFields) {
  this._formFields = formFields;
  formFieldContextActions.registerProvider(1, this);
}
ChineseContextPad.prototype.getContextPadEntries = function (field) {
  const formFields = this._formFields;
  return (entries) => {
    Object.keys(entries).forEach((id) => {
      if (id === 'delete') {
        const definition = formFields.get(field.type);
        const name = definition && definition.config.name;
        entries[id] = Object.assign({}, entries[id], { title: name ? translate('Remove {name}', { name }) : say(entries[id].title) });
      }
    });
    return entries;
  };
};
ChineseContextPad.$inject = ['formFieldContextActions', 'formFields'];

// The few words form-js writes straight into its markup, with no extension point in 1.x: renamed by exact
// string inside these elements only (a MutationObserver, as Preact re-renders them: the search filters the
// palette's groups, the empty canvas comes and goes).
const MARKUP_TEXT = ['.fjs-palette-header', '.fjs-palette-group-title', '.fjs-palette-no-entries',
  '.fjs-empty-editor-card h2', '.fjs-empty-editor-card span', '.fjs-empty-component-text',
  '.bio-properties-panel-header-type', '.bio-properties-panel-placeholder-text', '.fjs-select-placeholder'];
const MARKUP_ATTRIBUTES = [['.fjs-palette-header', 'title'], ['.fjs-palette-search', 'placeholder'],
  ['.fjs-palette-search-clear', 'title'], ['.fjs-palette-field', 'title'], ['.fjs-input', 'placeholder'],
  ['.bio-properties-panel-open-feel-popup', 'title']];
const CREATE_TITLE = /^Create an? (.+) element$/;

export function relabelMarkup(roots) {
  function apply() {
    roots.forEach((root) => {
      // The text node itself changes (Preact keeps it, and writes the next words into it).
      root.querySelectorAll(MARKUP_TEXT.join(',')).forEach((el) => {
        el.childNodes.forEach((node) => {
          if (node.nodeType === Node.TEXT_NODE && say(node.data) !== node.data) {
            node.data = say(node.data);
          }
        });
      });
      MARKUP_ATTRIBUTES.forEach(([selector, attribute]) => {
        root.querySelectorAll(selector + '[' + attribute + ']').forEach((el) => {
          const value = el.getAttribute(attribute);
          const match = CREATE_TITLE.exec(value);
          const text = match ? translate('Create a {name} element', { name: match[1] }) : say(value);
          if (text !== value) {
            el.setAttribute(attribute, text);
          }
        });
      });
    });
  }
  const observer = new MutationObserver(apply);
  roots.forEach((root) => observer.observe(root, { childList: true, subtree: true, characterData: true,
    attributes: true, attributeFilter: ['placeholder', 'title'] }));
  apply();
  return observer;
}

/** The additionalModules of the preview (form-js's viewer) in Chinese: its checks' messages. The viewer's
 * validator is a service with no extension point for its words: its two methods are wrapped, their messages
 * translated. */
export function previewModules(chinese) {
  if (!chinese) {
    return [];
  }
  return [{
    __init__: [['validator', function (validator) {
      ['validateField', 'validateFieldInstance'].forEach((method) => {
        const original = validator[method];
        if (typeof original === 'function') {
          validator[method] = function () {
            const errors = original.apply(this, arguments);
            return Array.isArray(errors) ? errors.map(translateMessage) : errors;
          };
        }
      });
    }]]
  }];
}

// One field per row. form-js lets a field be dropped beside another (a row) and widened by its resize handles
// (layout.columns); the JSON Schema a form is kept as has neither, so the task pages show one field per line and a
// width is refused on save. The editor keeps to what is saved: a drop into a row that holds another field is
// refused (form-js's own check, Dragging.validateDrop: the row turns red and the drop is cancelled; form-js shows
// no words for it), and so is a width (FormLayoutValidator.validateField, which the resize handles ask; editor.css
// hides the handles). form-js 1.23 has no setting for either.
const ROW_TAKEN = 'one field per row';
const NO_WIDTH = 'fields take the full width';

export function oneFieldPerRow(dragging, formLayouter, formLayoutValidator) {
  const validateDrop = dragging.validateDrop;
  dragging.validateDrop = function (element, target) {
    const error = validateDrop.apply(this, arguments);
    if (error || !target || !target.classList || !target.classList.contains('fjs-layout-row')) {
      return error;
    }
    const row = formLayouter.getRow(target.dataset.rowId);
    const node = element && element.querySelector && element.querySelector('.fjs-element');
    const moved = node ? node.dataset.id : null;
    return row && row.components.some((id) => id !== moved) ? ROW_TAKEN : error;
  };
  const validateField = formLayoutValidator.validateField;
  formLayoutValidator.validateField = function (field, columns) {
    return Number.isInteger(columns) ? NO_WIDTH : validateField.apply(this, arguments);
  };
}
oneFieldPerRow.$inject = ['dragging', 'formLayouter', 'formLayoutValidator'];

/** The additionalModules of the editor: the palette's offer and the panel without the settings the form cannot
 * keep (`hidden`: their entry and group ids) always, the Chinese when `chinese`. */
export function editorModules(chinese, hidden) {
  const fields = {
    __init__: [['formFields', (formFields) => registerFields(formFields, chinese ? FIELD_NAMES : null)],
      'hiddenSettings', 'plainSettings', ['dragging', 'formLayouter', 'formLayoutValidator', oneFieldPerRow]],
    'config.hiddenSettings': ['value', { hidden: hidden || [] }],
    hiddenSettings: ['type', HiddenSettings],
    plainSettings: ['type', PlainSettings]
  };
  if (!chinese) {
    return [fields];
  }
  return [fields, {
    __init__: ['chineseProperties', 'chineseContextPad', 'chineseEdits'],
    // form-js 1.x's editor asks no service for it (its panel takes `translate` as a prop: given above by the
    // provider); registered all the same for what looks it up (diagram-js's convention, form-js's plans).
    translate: ['value', translate],
    chineseProperties: ['type', ChineseProperties],
    chineseContextPad: ['type', ChineseContextPad],
    chineseEdits: ['type', ChineseEdits]
  }];
}
