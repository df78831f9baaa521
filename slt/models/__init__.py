"""Toy and reference models for slt."""

from slt.models.expfam import (ExpFamily, OptimalSet, Theta2CircleModel, circle_expfam, cyclic_group,
                               finite_expfam, morse_bott_rlct, sphere_expfam)
from slt.models.digits import digits_relu_mlp, relu_regression, rescale_hidden
from slt.models.dln import DLN, DLN_BUCKETS, deep_linear_network, random_deep_linear_network
from slt.models.toys import Toy, deep_linear, normal_crossing, polynomial, reduced_rank, regular

__all__: list[str] = ["ExpFamily", "OptimalSet", "Theta2CircleModel", "circle_expfam", "cyclic_group",
                      "finite_expfam", "morse_bott_rlct", "sphere_expfam",
                      "Toy", "deep_linear", "normal_crossing", "polynomial", "reduced_rank", "regular",
                      "DLN", "DLN_BUCKETS", "deep_linear_network", "random_deep_linear_network",
                      "digits_relu_mlp", "relu_regression", "rescale_hidden"]
