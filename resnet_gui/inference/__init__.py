"""What a trained network does: test-set predictions, single images, feature maps, exports."""
