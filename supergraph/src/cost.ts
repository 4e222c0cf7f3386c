import {
  GraphQLError,
  Kind,
  buildASTSchema,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  parse,
  valueFromASTUntyped,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { ErrorCode } from '@ko/platform/errors';

/**
 * The static cost of an operation, read from the supergraph's demand-control directives, which
 * each subgraph schema puts on its fields (`@cost` and `@listSize` of Federation 2.9):
 *
 * - a field of an object type costs 1, a scalar or enum 0, unless `@cost(weight:)` says otherwise;
 * - a list multiplies its own cost and its selection's by its size: the value of its slicing
 *   argument (`first`: literal, variable or default) or its documented `assumedSize`; a
 *   connection (`sizedFields: ["edges"]`) multiplies those fields instead;
 * - fields weighing at least EXPENSIVE_WEIGHT (`Order.pdf`, `Event.salesReport`: a lambda
 *   call each) are also counted, multiplied the same way, against a per-request limit.
 *
 * A list field with no `@listSize` counts as UNANNOTATED_LIST_SIZE (a test keeps every list of
 * the supergraph annotated).
 */
export const EXPENSIVE_WEIGHT = 100;
export const UNANNOTATED_LIST_SIZE = 1_000;

export interface OperationCost {
  cost: number;
  /** How many expensive fields the operation may resolve, lists multiplied out. */
  expensive: number;
}

interface ListSize {
  assumedSize?: number;
  slicingArguments?: string[];
  sizedFields?: string[];
}

interface FieldRule {
  weight?: number;
  listSize?: ListSize;
}

const ZERO: OperationCost = { cost: 0, expensive: 0 };

function directiveArgs(node: DirectiveNode): Record<string, unknown> {
  return Object.fromEntries(
    (node.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]),
  );
}

function ruleOf(field: GraphQLField<unknown, unknown>): FieldRule {
  const rule: FieldRule = {};
  for (const directive of field.astNode?.directives ?? []) {
    const args = directiveArgs(directive);
    if (directive.name.value === 'cost' && typeof args.weight === 'number')
      rule.weight = args.weight;
    if (directive.name.value === 'listSize') rule.listSize = args as ListSize;
  }
  return rule;
}

/** A measured operation and the variables its sizes read (name, value), to reuse it. */
interface Measured {
  cost: OperationCost;
  reads: Array<[string, unknown]>;
}

/** The cost model of one supergraph. Build once per supergraph; measure per request. */
export class CostModel {
  readonly schema: GraphQLSchema;
  private readonly rules = new Map<GraphQLField<unknown, unknown>, FieldRule>();
  /**
   * The last measure of each operation. Apollo Server hands out one parsed document per query
   * text, so a repeated operation is the same node; its cost is reused while the variables its
   * list sizes read are unchanged (most operations read none). A WeakMap: it goes with the document.
   */
  private readonly measured = new WeakMap<OperationDefinitionNode, Measured>();

  constructor(supergraphSdl: string) {
    this.schema = buildASTSchema(parse(supergraphSdl), { assumeValidSDL: true });
  }

  /** Every list field without a `@listSize`, as `Type.field` (for the schema's own test). */
  unboundedLists(): string[] {
    const found: string[] = [];
    const types = Object.values(this.schema.getTypeMap());
    // A connection's `edges` is sized by the field that returns the connection.
    const sized = new Set<string>();
    for (const type of types)
      if (isObjectType(type) || isInterfaceType(type))
        for (const field of Object.values(type.getFields()))
          for (const name of this.rule(field).listSize?.sizedFields ?? [])
            sized.add(`${getNamedType(field.type).name}.${name}`);
    for (const type of types) {
      if (
        type.name.startsWith('_') ||
        type.name.startsWith('join__') ||
        type.name === 'link__Import'
      )
        continue;
      if (!isObjectType(type) && !isInterfaceType(type)) continue;
      for (const field of Object.values(type.getFields()))
        if (
          isListType(getNullableType(field.type)) &&
          !this.rule(field).listSize &&
          !sized.has(`${type.name}.${field.name}`)
        )
          found.push(`${type.name}.${field.name}`);
    }
    return found;
  }

  measure(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown> = {},
  ): OperationCost {
    const last = this.measured.get(operation);
    if (last?.reads.every(([name, value]) => Object.is(variables[name], value))) return last.cost;
    const reads: Array<[string, unknown]> = [];
    const cost = this.walk(document, operation, variables, reads);
    this.measured.set(operation, { cost, reads });
    return cost;
  }

  private walk(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown>,
    reads: Array<[string, unknown]>,
  ): OperationCost {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of document.definitions)
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    const defaults: Record<string, unknown> = {};
    for (const v of operation.variableDefinitions ?? [])
      if (v.defaultValue) defaults[v.variable.name.value] = valueFromASTUntyped(v.defaultValue);
    const root =
      operation.operation === 'query'
        ? this.schema.getQueryType()
        : operation.operation === 'mutation'
          ? this.schema.getMutationType()
          : this.schema.getSubscriptionType();
    if (!root) return ZERO;
    return new Walk(this, fragments, { ...defaults, ...variables }, (name) =>
      reads.push([name, variables[name]]),
    ).selectionSet(root, operation.selectionSet);
  }

  rule(field: GraphQLField<unknown, unknown>): FieldRule {
    let rule = this.rules.get(field);
    if (!rule) this.rules.set(field, (rule = ruleOf(field)));
    return rule;
  }
}

/** One operation's walk. Fragments are costed once per (type, sizing) and reused. */
class Walk {
  private readonly memo = new Map<string, OperationCost>();

  constructor(
    private readonly model: CostModel,
    private readonly fragments: Map<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
    /** Told of every variable a size is read from (what the cost depends on besides the document). */
    private readonly read: (name: string) => void,
  ) {}

  selectionSet(
    type: GraphQLCompositeType,
    set: SelectionSetNode,
    sized?: { fields: string[]; size: number },
  ): OperationCost {
    let cost = 0;
    let expensive = 0;
    const add = (part: OperationCost) => {
      cost += part.cost;
      expensive += part.expensive;
    };
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) add(this.field(type, selection, sized));
      else if (selection.kind === Kind.INLINE_FRAGMENT)
        add(
          this.selectionSet(
            this.typeNamed(selection.typeCondition?.name.value) ?? type,
            selection.selectionSet,
            sized,
          ),
        );
      else {
        const fragment = this.fragments.get(selection.name.value);
        if (!fragment) continue;
        const key = `${fragment.name.value}|${sized ? `${sized.fields.join(',')}:${sized.size}` : ''}`;
        let part = this.memo.get(key);
        if (!part) {
          // Set before walking, so a (validation-refused) cycle cannot recurse forever.
          this.memo.set(key, ZERO);
          part = this.selectionSet(
            this.typeNamed(fragment.typeCondition.name.value) ?? type,
            fragment.selectionSet,
            sized,
          );
          this.memo.set(key, part);
        }
        add(part);
      }
    }
    return { cost, expensive };
  }

  private field(
    parent: GraphQLCompositeType,
    node: FieldNode,
    sized?: { fields: string[]; size: number },
  ): OperationCost {
    if (node.name.value.startsWith('__')) return ZERO;
    if (!isObjectType(parent) && !isInterfaceType(parent)) return ZERO;
    const field = parent.getFields()[node.name.value];
    if (!field) return ZERO;
    const rule = this.model.rule(field);
    const named = getNamedType(field.type);
    const own = rule.weight ?? (isCompositeType(named) ? 1 : 0);
    const isList = isListType(getNullableType(field.type));
    const size = this.sizeOf(field, node, rule.listSize);
    // A connection: its size multiplies the named fields (`edges`) below, not itself.
    const sizesChildren = Boolean(rule.listSize?.sizedFields?.length);
    const multiplier = sized?.fields.includes(node.name.value)
      ? sized.size
      : isList && !sizesChildren
        ? size
        : 1;
    const children =
      node.selectionSet && isCompositeType(named)
        ? this.selectionSet(
            named,
            node.selectionSet,
            sizesChildren ? { fields: rule.listSize!.sizedFields!, size } : undefined,
          )
        : ZERO;
    return {
      cost: multiplier * (own + children.cost),
      expensive: multiplier * ((own >= EXPENSIVE_WEIGHT ? 1 : 0) + children.expensive),
    };
  }

  /** The size a list field asks for: its slicing argument, else its assumed size. */
  private sizeOf(
    field: GraphQLField<unknown, unknown>,
    node: FieldNode,
    listSize: ListSize | undefined,
  ): number {
    const fallback = listSize?.assumedSize ?? UNANNOTATED_LIST_SIZE;
    const slicing = listSize?.slicingArguments ?? [];
    if (slicing.length === 0) return fallback;
    let size: number | undefined;
    for (const name of slicing) {
      const arg = node.arguments?.find((a) => a.name.value === name);
      let value: unknown;
      if (!arg) value = field.args.find((a) => a.name === name)?.defaultValue;
      else if (arg.value.kind === Kind.VARIABLE) {
        this.read(arg.value.name.value);
        value = this.variables[arg.value.name.value];
        // An unset variable leaves the argument's default in force.
        if (value === undefined) value = field.args.find((a) => a.name === name)?.defaultValue;
      } else value = valueFromASTUntyped(arg.value);
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0)
        size = Math.max(size ?? 0, Math.ceil(value));
    }
    return size ?? fallback;
  }

  private typeNamed(name: string | undefined): GraphQLCompositeType | undefined {
    if (!name) return undefined;
    const type = this.model.schema.getType(name);
    return type && isCompositeType(type) ? type : undefined;
  }
}

/** The router's refusal of an operation over a limit, before any subgraph is called. */
export function tooExpensive(message: string, details: Record<string, number>): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'QUERY_TOO_EXPENSIVE' satisfies ErrorCode,
      ...details,
      http: { status: 400 },
    },
  });
}
