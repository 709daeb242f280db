// The table file does not exist: reported before the search runs.
import std.spaces.nb201
import std.data

pipeline p {
  data = data.digits()
  stage truth: nb201_lookup(table = "tests/data/tables/no_such_table.csv", genotype = nb201.best_cifar10)
}
