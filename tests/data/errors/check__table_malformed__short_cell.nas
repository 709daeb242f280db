// Line 3 of the table holds a cell of two nodes.
import std.spaces.nb201
import std.data

pipeline p {
  data = data.digits()
  stage truth: nb201_lookup(table = "tests/data/tables/bad_row.csv", genotype = nb201.best_cifar10)
}
