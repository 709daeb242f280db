// Conditions do not combine: a phase ends on one.
import std.data

pipeline p {
  data = data.digits()
  stage search: ssl_search {
    phase a { max_epochs = 3, when loss < 1.0 and alpha_entropy < 1.5 }
  }
}
