"""The webhook primitives' suite: pure logic, plus one round trip over real HTTP."""
