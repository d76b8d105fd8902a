/**
 * The optimizer base class (torch.optim.Optimizer): parameter groups with the defaults filled in, per-parameter
 * state, zeroGrad, and state dicts in torch's layout. SGD, Adam and AdamW implement `updateGroup`.
 *
 * Names map to torch's as camelCase: `paramGroups` is `param_groups`, `stateDict()`/`loadStateDict()` are
 * `state_dict()`/`load_state_dict()`, options such as `weightDecay` are `weight_decay`, and state entries such as
 * `momentumBuffer`, `expAvg`, `expAvgSq`, `maxExpAvgSq` are `momentum_buffer`, `exp_avg`, `exp_avg_sq`,
 * `max_exp_avg_sq`. Adam's `step` is a number where torch 1.13 keeps a one-element tensor.
 */
import { checkOptions, isBool, typeName, type OptionsSpec } from '../arguments';
import { enableGrad, noGrad } from '../autograd/gradMode';
import { zeroGrads } from '../autograd/zeroGrads';
import { Tensor } from '../tensor';

/**
 * One parameter group: its parameters and every option of the optimizer (defaults filled in), and the
 * `initialLr` a learning-rate scheduler records (PyTorch: initial_lr).
 */
export type ParamGroup<Options> = Options & {
  /** The group's parameters (PyTorch: params). */
  params: Tensor[];
  /** The lr when a scheduler started, set by the scheduler (PyTorch: initial_lr). */
  initialLr?: number;
};

/** A parameter group as given: `{ params: [...], lr: 0.1 }`, options left out take the optimizer's defaults. */
export type ParamGroupInput<Options> = Partial<Options> & {
  /** The group's parameters: one tensor or an iterable of them (`model.parameters()`). */
  params: Tensor | Iterable<Tensor>;
};

/** What an optimizer takes: parameters (`model.parameters()`) or parameter groups. */
export type ParamsInput<Options> = Iterable<Tensor> | Iterable<ParamGroupInput<Options>>;

/** A parameter's optimizer state: buffers (tensors), counters (numbers), or null for a buffer not made yet. */
export type ParamState = Record<string, Tensor | number | null>;

/** optimizer.stateDict(): state keyed by the parameter's index over all groups, and groups with index lists. */
export interface OptimizerStateDict<Options> {
  /** Each parameter's state (Adam's exp_avg, step, ...) by its index over all groups (PyTorch: state). */
  state: Record<number, ParamState>;
  /** Each group's options with its parameters as indices (PyTorch: param_groups). */
  paramGroups: (Options & { params: number[] })[];
}

/** The options every optimizer has: the learning rate, which a scheduler writes into each group. */
export interface BaseOptions {
  /** The learning rate (PyTorch: lr). */
  lr: number;
}

/** Options of zeroGrad (PyTorch: set_to_none). */
export interface ZeroGradOptions {
  /** Sets each grad to null instead of zeroing it; torch 1.13's default is false (PyTorch: set_to_none). */
  setToNone?: boolean;
}

/** torch.optim.Optimizer: the shared machinery of SGD, Adam and AdamW. */
export abstract class Optimizer<Options extends BaseOptions = BaseOptions> {
  /** The parameter groups (PyTorch: param_groups); a group's `lr` is writable, as schedulers do. */
  readonly paramGroups: ParamGroup<Options>[] = [];
  /** Each parameter's state (momentum buffers, moment estimates), created by its first step. */
  state = new Map<Tensor, ParamState>();

  /**
   * `name` prefixes the option errors; `spec` checks the options of the defaults and of every group;
   * `defaults` are the options a group leaves out (PyTorch: defaults).
   */
  protected constructor(
    params: ParamsInput<Options>,
    /** The options a parameter group leaves out, as the constructor got them (PyTorch: defaults). */
    readonly defaults: Options,
    protected readonly name: string,
    private readonly spec: OptionsSpec,
  ) {
    checkOptions(name, defaults, spec);
    this.validate(defaults);
    if (params instanceof Tensor || params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
      const got = params instanceof Tensor ? 'torch.FloatTensor' : typeName(params);
      throw new TypeError(
        `${name}: params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${got}`,
      );
    }
    const given = [...params];
    if (given.length === 0) throw new Error(`${name}: optimizer got an empty parameter list`);
    const groups = given[0] instanceof Tensor ? [{ params: given as Tensor[] }] : given;
    for (const group of groups) this.addParamGroup(group as ParamGroupInput<Options>);
  }

  /** Checks the defaults' and each group's option values (PyTorch's "Invalid learning rate: -1", ...). */
  protected abstract validate(options: Options): void;

  /** Updates the parameters of one group from their grads (torch's single-tensor code path). */
  protected abstract updateGroup(group: ParamGroup<Options>): void;

  /**
   * Adds a group (PyTorch: add_param_group), e.g. layers unfrozen while training: its options left out take
   * the defaults; a parameter may be in one group only and must be a leaf.
   */
  addParamGroup(group: ParamGroupInput<Options>): void {
    if (typeof group !== 'object' || group === null || group instanceof Tensor || Array.isArray(group)) {
      throw new TypeError(`${this.name}: param group must be a dict`);
    }
    const { params, ...options } = group;
    checkOptions(`${this.name} param group`, options, this.spec);
    if (params === undefined) throw new Error(`${this.name}: param group must have a 'params' key`);
    if (params instanceof Set) {
      throw new TypeError(
        `${this.name}: optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.`,
      );
    }
    const list = params instanceof Tensor ? [params] : [...params];
    for (const param of list) {
      if (!(param instanceof Tensor)) {
        throw new TypeError(
          `${this.name}: optimizer can only optimize Tensors, but one of the params is ${typeName(param)}`,
        );
      }
      if (!param.isLeaf && !param.retainsGrad) throw new Error(`${this.name}: can't optimize a non-leaf Tensor`);
    }
    const filled = { ...this.defaults, ...(options as unknown as Partial<Options>) };
    if (filled.lr === undefined) {
      throw new Error(`${this.name}: parameter group didn't specify a value of required optimization parameter lr`);
    }
    this.validate(filled);
    const taken = new Set(this.paramGroups.flatMap((g) => g.params));
    if (list.some((param) => taken.has(param))) {
      throw new Error(`${this.name}: some parameters appear in more than one parameter group`);
    }
    this.paramGroups.push({ ...filled, params: list });
  }

  /**
   * One optimization step over every parameter that has a grad. `closure` (optional, as torch's) re-evaluates
   * the model with grad enabled and returns the loss, which step returns.
   */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    const loss = closure === undefined ? undefined : enableGrad(closure);
    noGrad(() => {
      for (const group of this.paramGroups) this.updateGroup(group);
    });
    return loss;
  }

  /**
   * Clears the grads of the optimized parameters: zeroed in place (torch 1.13's default), or set to null
   * with `{ setToNone: true }`. (PyTorch: zero_grad)
   */
  zeroGrad(options?: ZeroGradOptions): void {
    const { setToNone = false } = checkOptions(`${this.name}.zeroGrad`, options, { setToNone: isBool });
    zeroGrads(
      this.paramGroups.flatMap((g) => g.params),
      setToNone,
    );
  }

  /** The parameter's state, made empty on first use. */
  protected stateOf(param: Tensor): ParamState {
    let state = this.state.get(param);
    if (state === undefined) {
      state = {};
      this.state.set(param, state);
    }
    return state;
  }

  /**
   * The optimizer's state (PyTorch: state_dict()): `state` keyed by each parameter's index counted over all
   * groups, and `paramGroups` with each group's options and its parameters' indices.
   */
  stateDict(): OptimizerStateDict<Options> {
    const indices = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map(({ params, ...options }) => {
      for (const param of params) if (!indices.has(param)) indices.set(param, indices.size);
      return { ...(options as unknown as Options), params: params.map((param) => indices.get(param) as number) };
    });
    const state: Record<number, ParamState> = {};
    for (const [param, entries] of this.state) state[indices.get(param) as number] = { ...entries };
    return { state, paramGroups };
  }

  /**
   * Loads a state from `stateDict()` (PyTorch: load_state_dict): the groups must have the same sizes; the
   * options and buffers (copied) replace the current ones, parameters are matched by position.
   */
  loadStateDict(stateDict: OptimizerStateDict<Options>): void {
    const saved = stateDict.paramGroups;
    if (saved.length !== this.paramGroups.length) {
      throw new Error('loadStateDict: loaded state dict has a different number of parameter groups');
    }
    if (saved.some((group, i) => group.params.length !== this.paramGroups[i].params.length)) {
      throw new Error(
        "loadStateDict: loaded state dict contains a parameter group that doesn't match the size of optimizer's group",
      );
    }
    const byIndex = new Map<number, Tensor>();
    saved.forEach((group, g) => group.params.forEach((index, i) => byIndex.set(index, this.paramGroups[g].params[i])));
    this.state = new Map();
    for (const [index, entries] of Object.entries(stateDict.state)) {
      const param = byIndex.get(Number(index));
      if (param === undefined) continue;
      const copied: ParamState = {};
      for (const [key, value] of Object.entries(entries)) copied[key] = value instanceof Tensor ? value.clone() : value;
      this.state.set(param, copied);
    }
    saved.forEach((group, g) => {
      this.paramGroups[g] = { ...group, params: this.paramGroups[g].params };
    });
  }
}
