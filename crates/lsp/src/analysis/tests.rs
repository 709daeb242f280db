//! What names refer to, in documents that the checker loads as it would.

use super::*;

fn target(text: &str, marker: &str) -> (Analysis, Option<Target>) {
    let an = Analysis::load("t.nas", text, Path::new("."), &LoadOptions::default());
    assert!(an.parsed(), "{text}");
    let t = an.target_at(text.find(marker).expect("marker") + 1);
    (an, t)
}

const P: &str = "import std.spaces.darts\n\
    import std.data\n\
    def f(cells: int = 4) = darts.cifar(cells = cells)\n\
    pipeline p(epochs: int = 3) {\n\
      data = data.digits()\n\
      seed = 1\n\
      stage search: ssl_search {\n\
        weights = sgd(lr = 0.1)\n\
        epochs = epochs\n\
        batch = data.size\n\
      }\n\
      stage d: derive after search\n\
    }\n";

#[test]
fn an_extension_sees_its_base() {
    let text = "import std.recipes.sswp\nimport std.data\n\
        pipeline q = sswp.recipe(data = data.digits()) {\n\
          search.batch = 8\n\
          views = augment.simclr(data)\n\
        }\n";
    let (an, t) = target(text, " sswp.recipe");
    assert!(matches!(t, Some(Target::Module(_))), "{t:?}");
    let Some(Target::Item { module, item }) = target(text, ".recipe(").1 else {
        panic!("the recipe")
    };
    // `data` in the extension is the base's (the recipe's parameter)
    assert_eq!(
        target(text, "(data)").1,
        Some(Target::Param {
            module,
            item,
            param: 0
        })
    );
    assert!(matches!(an.item(module, item), Some(Item::Pipeline(p)) if p.name.name == "recipe"));
    assert!(matches!(
        target(text, "\nsearch.").1,
        Some(Target::Stage { .. })
    ));
    assert!(matches!(
        target(text, ".batch").1,
        Some(Target::Field { field, .. }) if field.name == "batch"
    ));
}

#[test]
fn names_resolve_as_the_checker_resolves_them() {
    let (an, t) = target(P, ".cifar");
    let Some(Target::Item { module, item }) = t else {
        panic!("{t:?}")
    };
    assert!(matches!(an.item(module, item), Some(Item::Def(d)) if d.name.name == "cifar"));
    assert!(matches!(
        target(P, " darts.cifar").1,
        Some(Target::Module(_))
    ));
    assert!(matches!(
        target(P, "(cells = cells)").1,
        Some(Target::Param { param: 0, .. })
    ));
    assert!(matches!(
        target(P, " cells)").1,
        Some(Target::Param { item: 2, .. })
    ));
    // the setting `data` is not visible in its own value: that `data` is the import
    assert!(matches!(
        target(P, " data.digits").1,
        Some(Target::Module(_))
    ));
    assert!(matches!(
        target(P, " data.size").1,
        Some(Target::Setting { index: 0, .. })
    ));
    match target(P, ".size").1 {
        Some(Target::Field { owner, field }) => {
            assert_eq!((owner.name, field.name), ("dataset", "size"))
        }
        other => panic!("{other:?}"),
    }
    match target(P, "(lr").1 {
        Some(Target::Field { owner, field }) => {
            assert_eq!((owner.name, field.name), ("sgd", "lr"))
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(target(P, " sgd").1, Some(Target::Builtin(s)) if s.name == "sgd"));
    assert!(matches!(
        target(P, " epochs\n").1,
        Some(Target::Param {
            param: 0,
            item: 3,
            ..
        })
    ));
    assert!(matches!(
        target(P, " search\n").1,
        Some(Target::Stage { index: 2, .. })
    ));
    assert!(
        matches!(target(P, " ssl_search").1, Some(Target::StageKind(s)) if s.name == "ssl_search")
    );
}
