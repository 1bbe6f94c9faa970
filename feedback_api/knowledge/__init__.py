"""The live knowledge base: the FAQ entries citizens are answered with, edited by officers
under a two-person rule, and the questions the FAQ could not answer."""
