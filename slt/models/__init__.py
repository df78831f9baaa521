"""Toy and reference models for slt."""
