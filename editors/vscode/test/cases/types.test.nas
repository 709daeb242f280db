// SYNTAX TEST "source.nas" "type annotations"

def f_any(x: any): any = x
//           ^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                 ^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_int(x: int): int = x
//           ^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                 ^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_float(x: float): float = x
//             ^^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                     ^^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_fraction(x: fraction): fraction = x
//                ^^^^^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                           ^^^^^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_str(x: str): str = x
//           ^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                 ^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_bool(x: bool): bool = x
//            ^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                   ^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_list(x: list): list = x
//            ^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                   ^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_pair(x: pair): pair = x
//            ^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                   ^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_op(x: op): op = x
//          ^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//               ^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_network(x: network): network = x
//               ^^^^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                         ^^^^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_dataset(x: dataset): dataset = x
//               ^^^^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                         ^^^^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_source(x: source): source = x
//              ^^^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                       ^^^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_augmentation(x: augmentation): augmentation = x
//                    ^^^^^^^^^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                                   ^^^^^^^^^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_step(x: step): step = x
//            ^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                   ^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_objective(x: objective): objective = x
//                 ^^^^^^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                             ^^^^^^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_head(x: head): head = x
//            ^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                   ^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_sampler(x: sampler): sampler = x
//               ^^^^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                         ^^^^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_optimiser(x: optimiser): optimiser = x
//                 ^^^^^^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                             ^^^^^^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_schedule(x: schedule): schedule = x
//                ^^^^^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                           ^^^^^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_genotype(x: genotype): genotype = x
//                ^^^^^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                           ^^^^^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_condition(x: condition): condition = x
//                 ^^^^^^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                             ^^^^^^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_init(x: init): init = x
//            ^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                   ^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def f_pipeline(x: pipeline): pipeline = x
//                ^^^^^^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas - keyword
//                           ^^^^^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas - keyword
def g(a: list[list[op]], b: dataset? = none, c: int?, d: my_type): list[op] = a
//       ^^^^ support.type.nas
//           ^ punctuation.definition.type.begin.nas
//            ^^^^ support.type.nas
//                 ^^ support.type.nas - keyword
//                   ^^ punctuation.definition.type.end.nas
//                     ^ punctuation.separator.comma.nas - meta.type
//                       ^ variable.parameter.nas
//                                 ^ keyword.operator.optional.nas
//                                     ^^^^ constant.language.none.nas - meta.type
//                                                 ^ keyword.operator.optional.nas
//                                                       ^^^^^^^ meta.type.annotation.nas entity.name.type.nas
//                                                                          ^ keyword.operator.assignment.nas - meta.type

let channels: int = 16
//            ^^^ support.type.nas
