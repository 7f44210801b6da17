"""Labelling: review sheets, their validation, the label catalogue, training sets, active learning."""
