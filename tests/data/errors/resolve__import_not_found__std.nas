import std.spaces.dart
